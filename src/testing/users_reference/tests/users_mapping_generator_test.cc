// testing/users_reference/tests/users_mapping_generator_test.cc: the generator's users map cleanly; its malformed ones
// get the right class.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/dead_letter.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade {
namespace {

constexpr int64_t kFetchedAtMs = 1712345678000;

// A generator Record seen the way the processor sees it: as views.
struct Consumed {
  explicit Consumed(const Record& r) : record(&r) {
    for (const Header& h : r.headers) headers.push_back({h.name, h.value});
    view.key = r.key;
    view.value = r.value;
    view.timestamp_ms = r.timestamp_ms;
    view.headers = headers;
  }
  const Record* record;
  std::vector<HeaderView> headers;
  ConsumedRecord view;
};

TEST(UsersMappingGenerator, First100000UsersMapWithoutFailure) {
  const RandomUserGenerator generator(GeneratorOptions{.seed = "kascade"});
  UsersMapper mapper;
  RowBatch rows(&users_schema());
  const int id_col = users_schema().column_index("id");
  const int fetched_col = users_schema().column_index("fetched_at");
  size_t failures = 0;
  for (uint64_t i = 0; i < 100000; ++i) {
    const Record record = generator.record(i, kFetchedAtMs + static_cast<int64_t>(i));
    const Consumed consumed(record);
    const auto failure = mapper.map(consumed.view, kFetchedAtMs, rows);
    if (failure) {
      ++failures;
      if (failures <= 5) ADD_FAILURE() << "user " << i << ": " << failure->message;
      continue;
    }
    const size_t row = rows.rows() - 1;
    // The key is login.uuid; the mapped id is its canonical form.
    EXPECT_EQ(rows.text(rows.get(row, static_cast<size_t>(id_col))), record.key) << i;
    EXPECT_EQ(rows.get(row, static_cast<size_t>(fetched_col)).as.integer, record.timestamp_ms);
    if (rows.rows() == 4096) rows.clear();
  }
  EXPECT_EQ(failures, 0u);
}

TEST(UsersMappingGenerator, MalformedKindsGetTheirClass) {
  const RandomUserGenerator generator(GeneratorOptions{.seed = "kascade", .malformed_ratio = 0.5});
  const std::map<MalformedKind, std::string_view> expected = {
      {MalformedKind::bad_json, dead_letter_class::parse},
      {MalformedKind::invalid_utf8, dead_letter_class::parse},
      {MalformedKind::wrong_type, dead_letter_class::validation},
      {MalformedKind::missing_required, dead_letter_class::validation},
      {MalformedKind::oversize, dead_letter_class::too_large},
  };
  std::map<MalformedKind, int> seen;
  UsersMapper mapper;
  RowBatch rows(&users_schema());
  auto done = [&] {
    for (const auto& [kind, error_class] : expected) {
      if (seen[kind] < 20) return false;
    }
    return true;
  };
  for (uint64_t i = 0; i < 20000 && !done(); ++i) {
    const auto kind = generator.malformed_kind(i);
    if (!kind || seen[*kind] >= 20) continue;
    const Record record = generator.record(i, kFetchedAtMs);
    const Consumed consumed(record);
    const size_t rows_before = rows.rows();
    const auto failure = mapper.map(consumed.view, kFetchedAtMs, rows);
    ASSERT_TRUE(failure.has_value()) << malformed_kind_name(*kind) << " at " << i;
    EXPECT_EQ(std::string_view(failure->error_class), expected.at(*kind))
        << malformed_kind_name(*kind) << " at " << i << ": " << failure->message;
    EXPECT_FALSE(failure->message.empty());
    EXPECT_EQ(rows.rows(), rows_before);
    ++seen[*kind];
  }
  for (const auto& [kind, error_class] : expected) {
    EXPECT_EQ(seen[kind], 20) << malformed_kind_name(kind) << " too rarely generated";
  }
}

}  // namespace
}  // namespace kascade
