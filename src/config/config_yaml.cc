// config/config_yaml.cc: a pass over a config file's YAML events (documents, keys per mapping), then its node.
#include "config/config_yaml.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include <optional>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace kascade {

std::string cut_for_message(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t end = limit;
  // Back to the first byte of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return fmt::format("{}... ({} bytes)", text.substr(0, end), text.size());
}

namespace {

std::string where(const std::string& origin, const YAML::Mark& mark) {
  if (mark.line < 0) return origin;
  return fmt::format("{}:{}:{}", origin, mark.line + 1, mark.column + 1);
}

// Thrown by the handler to stop the parser at the first finding.
struct Stop {};

// Follows the nesting of the events: for every mapping, the keys seen so far.
class StrictHandler : public YAML::EventHandler {
 public:
  struct Duplicate {
    std::string path;
    YAML::Mark at;
    YAML::Mark first;
  };
  std::optional<YAML::Mark> second_document;
  std::optional<Duplicate> duplicate;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ == 2) {
      second_document = mark;
      throw Stop{};
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { leaf(mark, nullptr); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { leaf(mark, nullptr); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override {
    leaf(mark, &value);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    bool is_map = false;
    bool is_key = false;  // this collection is itself a mapping's key
    bool at_key = true;   // mapping: the next node is a key
    std::string key;      // mapping: the current key, empty when it is not a plain scalar
    size_t index = 0;     // sequence: the current item
    std::string path;
    std::unordered_map<std::string, YAML::Mark> seen;  // mapping: key -> where it was given
  };

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  // The path of the node that comes next in the innermost collection.
  std::string child_path() const {
    const Frame& top = stack_.back();
    if (top.is_map) return join(top.path, top.key.empty() ? "?" : top.key);
    return fmt::format("{}[{}]", top.path, top.index);
  }

  // A node is complete: the innermost collection moves on.
  void value_done() {
    if (stack_.empty()) return;
    Frame& top = stack_.back();
    if (top.is_map) {
      top.at_key = true;
    } else {
      ++top.index;
    }
  }

  void leaf(const YAML::Mark& mark, const std::string* scalar) {
    if (stack_.empty()) return;
    Frame& top = stack_.back();
    if (!top.is_map || !top.at_key) return value_done();
    top.at_key = false;
    top.key = scalar != nullptr ? *scalar : std::string();
    if (scalar == nullptr) return;
    auto [it, inserted] = top.seen.emplace(*scalar, mark);
    if (!inserted) {
      duplicate = Duplicate{join(top.path, *scalar), mark, it->second};
      throw Stop{};
    }
  }

  void open(bool is_map) {
    Frame frame;
    frame.is_map = is_map;
    if (!stack_.empty()) {
      Frame& top = stack_.back();
      frame.is_key = top.is_map && top.at_key;
      if (frame.is_key) {
        top.key.clear();
        frame.path = join(top.path, "?");
      } else {
        frame.path = child_path();
      }
    }
    stack_.push_back(std::move(frame));
  }

  void close() {
    const bool was_key = stack_.back().is_key;
    stack_.pop_back();
    if (stack_.empty()) return;
    if (was_key) {
      stack_.back().at_key = false;
    } else {
      value_done();
    }
  }

  int documents_ = 0;
  std::vector<Frame> stack_;
};

}  // namespace

Result<YAML::Node> parse_config_yaml(const std::string& text, const std::string& origin) {
  auto invalid = [&](const YAML::Exception& e) {
    return Error::make(Errc::config,
                       fmt::format("{}: invalid YAML: {}", where(origin, e.mark), cut_for_message(e.msg)));
  };
  StrictHandler handler;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(handler)) {
    }
  } catch (const Stop&) {
  } catch (const YAML::Exception& e) {
    return invalid(e);
  }
  if (handler.second_document) {
    return Error::make(Errc::config, fmt::format("{}: a second YAML document: a config file holds exactly one",
                                                 where(origin, *handler.second_document)));
  }
  if (const auto& duplicate = handler.duplicate) {
    return Error::make(Errc::config, fmt::format("{}: {}: duplicate key, first given at line {}, column {}",
                                                 where(origin, duplicate->at), cut_for_message(duplicate->path),
                                                 duplicate->first.line + 1, duplicate->first.column + 1));
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return invalid(e);
  }
}

}  // namespace kascade
