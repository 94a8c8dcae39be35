// core/topic_name.h: what a topic name may be: 1..200 characters of A-Z a-z 0-9 . _ -, not "." or "..".
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kascade {

inline constexpr size_t kMaxTopicNameLength = 200;

// Errc::invalid_argument naming the rule if `topic` breaks it.
inline Status check_topic_name(std::string_view topic) {
  const bool chars_ok = std::all_of(topic.begin(), topic.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (!topic.empty() && topic.size() <= kMaxTopicNameLength && chars_ok && topic != "." && topic != "..") {
    return ok_status();
  }
  std::string shown(topic.substr(0, 64));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
  }
  if (topic.size() > shown.size()) shown += "...";
  return Error::make(Errc::invalid_argument,
                     "bad topic name '" + shown + "' (" + std::to_string(topic.size()) +
                         " characters; a topic name is 1-200 characters of A-Z a-z 0-9 . _ -, not . or ..)");
}

// "a, b,c" -> {"a", "b", "c"} (spaces around names dropped, empty items kept as "").
inline std::vector<std::string> split_topic_list(std::string_view list) {
  std::vector<std::string> out;
  if (list.find_first_not_of(" \t") == std::string_view::npos) return out;
  while (true) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    out.emplace_back(item);
    if (comma == std::string_view::npos) return out;
    list.remove_prefix(comma + 1);
  }
}

// Every name of a comma-separated list is a topic name (an empty list is fine).
inline Status check_topic_list(std::string_view list) {
  for (const auto& topic : split_topic_list(list)) {
    if (Status status = check_topic_name(topic); !status) return status;
  }
  return ok_status();
}

}  // namespace kascade
