// sources/generator/generator_hash.h: seeded 64-bit mixing and the per-user random stream.
#pragma once

#include <cstdint>
#include <string_view>

namespace kascade::generator_hash {

// A bijective 64-bit finalizer (the splitmix64 output function).
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a over the seed text, then mixed.
constexpr uint64_t hash_seed(std::string_view seed) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : seed) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return mix64(h);
}

// An independent hash of (seed, index) per purpose (`salt`).
constexpr uint64_t index_hash(uint64_t seed_hash, uint64_t index, uint64_t salt) {
  return mix64(seed_hash ^ mix64(index * 0x9E3779B97F4A7C15ULL + salt));
}

// A splitmix64 stream: cheap, and each user's stream starts from its own
// (seed, index) hash, so a user never depends on the users before it.
class Rng {
 public:
  explicit Rng(uint64_t state) : state_(state) {}
  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix64(state_);
  }
  // Uniform in [0, n) for n < 2^32 (multiply-shift; the bias is negligible).
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32); }
  // Uniform in [0, n) for any n > 0 (bias negligible for n << 2^64).
  uint64_t below64(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }
  bool percent(uint32_t p) { return below(100) < p; }
  // Uniform in [0, n) for small n (digits, letters): up to eight draws share
  // one 64-bit word, peeled off by multiplying the remaining fraction by n.
  uint32_t small(uint32_t n) {
    if (pool_left_ == 0) {
      pool_ = next();
      pool_left_ = 8;
    }
    --pool_left_;
    const unsigned __int128 product = static_cast<unsigned __int128>(pool_) * n;
    pool_ = static_cast<uint64_t>(product);
    return static_cast<uint32_t>(product >> 64);
  }

 private:
  uint64_t state_;
  uint64_t pool_ = 0;
  int pool_left_ = 0;
};

}  // namespace kascade::generator_hash
