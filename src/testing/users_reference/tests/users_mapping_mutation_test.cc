// testing/users_reference/tests/users_mapping_mutation_test.cc: byte-mutated users never crash UsersMapper and never
// half-write a row.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "core/dead_letter.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade {
namespace {

// One to three random edits: flip, insert, delete or replace a byte with one
// of JSON's structural characters, a digit, a literal's letter, or raw bytes
// that are not valid UTF-8; or a truncation.
std::string mutate(std::string text, std::mt19937_64& rng) {
  static constexpr std::string_view kBytes = "{}[]:,\"\\ 0123456789eE+-.tfnu";
  static constexpr unsigned char kRaw[] = {0x00, 0x80, 0xC3, 0xFF, 0x7F, 0x0A};
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const size_t at = rng() % text.size();
    const char byte = rng() % 4 == 0 ? static_cast<char>(kRaw[rng() % sizeof(kRaw)]) : kBytes[rng() % kBytes.size()];
    switch (rng() % 5) {
      case 0:
        text[at] = static_cast<char>(text[at] ^ (1 << (rng() % 8)));
        break;
      case 1:
        text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte);
        break;
      case 2:
        text.erase(at, 1);
        break;
      case 3:
        text[at] = byte;
        break;
      default:
        text.resize(at);
        break;
    }
  }
  return text;
}

TEST(UsersMappingMutation, MutatedUsersMapOrFailCleanly) {
  RandomUserGenerator generator(GeneratorOptions{.seed = "mutation"});
  UsersMapper mapper;
  RowBatch rows(&users_schema());
  std::mt19937_64 rng(20261121);
  const std::set<std::string> classes = {dead_letter_class::parse, dead_letter_class::validation,
                                         dead_letter_class::too_large};
  size_t mapped = 0, failed = 0;
  for (uint64_t i = 0; i < 50000; ++i) {
    const Record record = generator.record(i, 1700000000000);
    const std::string value = mutate(record.value, rng);
    const ConsumedRecord consumed{
        .offset = static_cast<int64_t>(i), .timestamp_ms = record.timestamp_ms, .key = record.key, .value = value};
    const size_t rows_before = rows.rows();
    const size_t arena_before = rows.arena_bytes();
    if (auto failure = mapper.map(consumed, 1700000000500, rows)) {
      ++failed;
      ASSERT_TRUE(classes.count(failure->error_class)) << failure->error_class;
      ASSERT_FALSE(failure->message.empty());
      ASSERT_EQ(rows.rows(), rows_before) << "a failed record left a row behind";
      ASSERT_EQ(rows.arena_bytes(), arena_before) << "a failed record left text behind";
    } else {
      ++mapped;
      ASSERT_EQ(rows.rows(), rows_before + 1);
    }
    if (rows.rows() > 1000) rows.clear();
  }
  // Both outcomes occur: mutations inside string values still map, structural ones fail.
  EXPECT_GT(mapped, 1000u);
  EXPECT_GT(failed, 10000u);
}

}  // namespace
}  // namespace kascade
