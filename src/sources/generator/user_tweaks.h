// sources/generator/user_tweaks.h: how a malformed record departs from the well-formed user.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sources/generator/randomuser_generator.h"

namespace kascade {

// Room reserved for one user's JSON (they average ~1.1 KB); reserving it once
// keeps appends from reallocating.
inline constexpr size_t kUserJsonReserve = 1536;

// Passed to RandomUserGenerator::append_user; the default is the real user.
struct RandomUserGenerator::Tweaks {
  enum class WrongType : uint8_t {
    none,
    age_string,   // "dob":{"date":...,"age":"thirty"}
    name_number,  // "name":42
    date_number,  // "registered":{"date":1184046719390,...}
  };
  WrongType wrong_type = WrongType::none;
  bool omit_uuid = false;           // login without "uuid"
  bool invalid_utf8_first = false;  // name.first carries the bytes 0xC3 0x28
  size_t padding_bytes = 0;         // > 0: an extra "padding" string of that many bytes
};

}  // namespace kascade
