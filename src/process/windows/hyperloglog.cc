// process/windows/hyperloglog.cc: the HyperLogLog estimate (Flajolet et al., 2007).
#include "process/windows/hyperloglog.h"

#include <cmath>
#include <functional>

namespace kascade::hyperloglog {

uint64_t hash_bytes(std::string_view bytes) {
  // libstdc++'s string hash, then the splitmix64 finalizer: the register index
  // comes from the top bits, which must be as random as the bottom ones.
  uint64_t z = std::hash<std::string_view>{}(bytes);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t estimate(const uint8_t* registers) {
  constexpr double m = static_cast<double>(kRegisters);
  const double alpha = 0.7213 / (1.0 + 1.079 / m);
  double sum = 0;
  size_t zeros = 0;
  for (size_t i = 0; i < kRegisters; ++i) {
    sum += std::ldexp(1.0, -registers[i]);
    if (registers[i] == 0) ++zeros;
  }
  double e = alpha * m * m / sum;
  if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / static_cast<double>(zeros));
  return static_cast<uint64_t>(std::llround(e));
}

}  // namespace kascade::hyperloglog
