// cql/murmur3.h: the token of a partition key under Cassandra's Murmur3Partitioner.
#pragma once

#include <cstdint>
#include <string_view>

namespace kascade::cql {

// The first 64 bits of MurmurHash3_x64_128 (seed 0) as Cassandra computes it:
// tail bytes are sign-extended (Java bytes are signed), and Long.MIN_VALUE
// maps to Long.MAX_VALUE. The result is what `SELECT token(pk)` returns.
int64_t murmur3_token(std::string_view key);

}  // namespace kascade::cql
