// serve/topic_policy.h: which topics a push may write to: the allow-list (serve.topics), and, when
// serve.create_topics is on, new topics up to serve.max_topics on the bus.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.h"

namespace kascade {

struct TopicPolicyOptions {
  std::vector<std::string> allowed;  // created on their first push
  bool create_topics = false;        // any other (valid) name is created too...
  int64_t max_topics = 64;           // ... while the bus holds fewer topics than this
  int32_t partitions = 1;            // of a topic created here
};

// Why a push to a topic is refused: the HTTP status and a message.
struct TopicRefusal {
  int status = 400;
  std::string message;
};

class TopicPolicy {
 public:
  TopicPolicy(TopicPolicyOptions options, Bus& bus);

  // Without touching the bus: 400 for a bad name, 404 for a topic neither allowed nor creatable.
  std::optional<TopicRefusal> check(std::string_view topic) const;

  // Nothing if `topic` may be written (it exists now); otherwise 400 (a bad name), 404 (not
  // allowed), 403 (the bus holds max_topics topics already) or 503 (the bus failed).
  std::optional<TopicRefusal> admit(std::string_view topic);

 private:
  bool allowed(std::string_view topic) const;

  TopicPolicyOptions options_;
  Bus& bus_;
  std::mutex mutex_;
  std::set<std::string, std::less<>> ready_;  // known to exist
};

}  // namespace kascade
