// serve/topic_policy.cc: the allow-list and the bound on the topics pushes create.
#include "serve/topic_policy.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/topic_name.h"

namespace kascade {

TopicPolicy::TopicPolicy(TopicPolicyOptions options, Bus& bus) : options_(std::move(options)), bus_(bus) {}

bool TopicPolicy::allowed(std::string_view topic) const {
  return std::find(options_.allowed.begin(), options_.allowed.end(), topic) != options_.allowed.end();
}

std::optional<TopicRefusal> TopicPolicy::check(std::string_view topic) const {
  if (Status status = check_topic_name(topic); !status) return TopicRefusal{400, status.message()};
  if (!allowed(topic) && !options_.create_topics) {
    return TopicRefusal{404, fmt::format("unknown topic '{}' (serve.topics: {}; serve.create_topics is false)", topic,
                                         fmt::join(options_.allowed, ", "))};
  }
  return std::nullopt;
}

std::optional<TopicRefusal> TopicPolicy::admit(std::string_view topic) {
  if (auto refused = check(topic)) return refused;
  std::lock_guard guard(mutex_);  // one creation at a time, so the bound holds
  if (ready_.contains(topic)) return std::nullopt;
  auto bus_failure = [](const Error& error) { return TopicRefusal{error.retriable ? 503 : 500, error.message}; };
  if (!allowed(topic)) {
    auto existing = bus_.list_topics();
    if (!existing) return bus_failure(existing.error());
    if (std::find(existing->begin(), existing->end(), topic) != existing->end()) {
      ready_.emplace(topic);
      return std::nullopt;
    }
    if (static_cast<int64_t>(existing->size()) >= options_.max_topics) {
      return TopicRefusal{403, fmt::format("topic '{}' is not created: the bus holds {} topics already "
                                           "(serve.max_topics: {})",
                                           topic, existing->size(), options_.max_topics)};
    }
  }
  if (Status status = bus_.create_topic(topic, options_.partitions); !status) return bus_failure(status.error());
  ready_.emplace(topic);
  return std::nullopt;
}

}  // namespace kascade
