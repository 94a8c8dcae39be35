// testing/byte_mutations.h: the random byte edits the deterministic fuzz drivers apply to a seed (tests only).
#pragma once

#include <random>
#include <string>

namespace kascade::testing {

// One to four edits of `bytes`: a flipped bit, a random byte, a cut, an inserted byte, 0xFF/0x7F
// where lengths and varints live, a few bytes erased.
inline void mutate_bytes(std::string& bytes, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits && !bytes.empty(); ++i) {
    const size_t at = rng() % bytes.size();
    switch (rng() % 6) {
      case 0:
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
        break;
      case 1:
        bytes[at] = static_cast<char>(rng());
        break;
      case 2:
        bytes.resize(at);
        break;
      case 3:
        bytes.insert(at, 1, static_cast<char>(rng()));
        break;
      case 4:
        bytes[at] = static_cast<char>(rng() % 2 ? 0xFF : 0x7F);  // lengths and varints gone wild
        break;
      default:
        bytes.erase(at, 1 + rng() % 8);
        break;
    }
  }
}

}  // namespace kascade::testing
