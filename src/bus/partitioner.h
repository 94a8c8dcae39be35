// bus/partitioner.h: Kafka's default key partitioner (murmur2), shared by the embedded log and Kafka.
#pragma once

#include <cstdint>
#include <string_view>

namespace kascade {

// The 32-bit murmur2 hash exactly as Kafka's Java client computes it
// (seed 0x9747b28c), returned as the signed value Java would see.
int32_t murmur2(std::string_view data);

// Kafka's default placement of a non-empty key:
// (murmur2(key) & 0x7fffffff) % partitions. partitions must be > 0.
int32_t partition_for_key(std::string_view key, int32_t partitions);

}  // namespace kascade
