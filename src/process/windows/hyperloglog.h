// process/windows/hyperloglog.h: approximate distinct counts in a fixed 1 KiB per group.
#pragma once

#include <cstdint>
#include <string_view>

namespace kascade::hyperloglog {

// 2^10 one-byte registers: a standard error of about 1.04 / sqrt(1024) = 3.3%.
inline constexpr int kPrecision = 10;
inline constexpr size_t kRegisters = size_t{1} << kPrecision;

// A well-mixed 64-bit hash of a value's bytes.
uint64_t hash_bytes(std::string_view bytes);

// Records one value's hash in `registers` (kRegisters bytes).
inline void add(uint8_t* registers, uint64_t hash) {
  const size_t index = hash >> (64 - kPrecision);
  const uint64_t rest = hash << kPrecision;
  // Position of the first 1 bit in the remaining 54 bits (55 if all zero).
  const auto rank = static_cast<uint8_t>(rest == 0 ? 64 - kPrecision + 1 : __builtin_clzll(rest) + 1);
  if (rank > registers[index]) registers[index] = rank;
}

// The estimate, with the small-range (linear counting) correction.
uint64_t estimate(const uint8_t* registers);

}  // namespace kascade::hyperloglog
