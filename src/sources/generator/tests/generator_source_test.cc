// Tests for sources/generator/generator_source.h: positions, resume, bounds, corrupt positions.
#include "sources/generator/generator_source.h"

#include <gtest/gtest.h>

#include "core/timestamp.h"

namespace kascade {
namespace {

TEST(GeneratorSource, StartsAtZeroAndAdvances) {
  GeneratorSource source(GeneratorOptions{.seed = "src"});
  EXPECT_EQ(source.name(), "generator");
  ASSERT_TRUE(source.resume(std::nullopt).ok());
  EXPECT_EQ(source.next_index(), 0u);
  const int64_t before = now_ms();
  auto batch = source.next_batch(10);
  const int64_t after = now_ms();
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->records.size(), 10u);
  EXPECT_EQ(batch->position, "10");
  EXPECT_FALSE(batch->exhausted);
  EXPECT_EQ(source.next_index(), 10u);
  const int64_t fetched_at = batch->records[0].timestamp_ms;
  EXPECT_GE(fetched_at, before);
  EXPECT_LE(fetched_at, after);
  for (size_t i = 0; i < 10; ++i) {
    const Record& rec = batch->records[i];
    EXPECT_EQ(rec.key, source.generator().login_uuid(i));
    EXPECT_EQ(rec.value, source.generator().user_json(i));
    EXPECT_EQ(rec.timestamp_ms, fetched_at);  // one fetched_at per batch
  }
  auto second = source.next_batch(5);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->records.front().key, source.generator().login_uuid(10));
  EXPECT_EQ(second->position, "15");
}

TEST(GeneratorSource, ResumeContinuesAtPosition) {
  GeneratorSource first(GeneratorOptions{.seed = "src"}, "users-gen");
  ASSERT_TRUE(first.resume(std::nullopt).ok());
  auto a = first.next_batch(200);
  ASSERT_TRUE(a.ok());

  GeneratorSource restarted(GeneratorOptions{.seed = "src"}, "users-gen");
  ASSERT_TRUE(restarted.resume(std::string("123")).ok());
  EXPECT_EQ(restarted.next_index(), 123u);
  auto b = restarted.next_batch(77);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->records.size(), 77u);
  for (size_t i = 0; i < 77; ++i) {
    EXPECT_EQ(b->records[i].key, a->records[123 + i].key);
    EXPECT_EQ(b->records[i].value, a->records[123 + i].value);
  }
  EXPECT_EQ(b->position, "200");
  EXPECT_EQ(b->records[0].headers[0].value, "users-gen");

  ASSERT_TRUE(restarted.resume(std::nullopt).ok());
  EXPECT_EQ(restarted.next_index(), 0u);
}

TEST(GeneratorSource, StopsAtTheBound) {
  GeneratorSource source(GeneratorOptions{}, "generator", 25);
  ASSERT_TRUE(source.resume(std::nullopt).ok());
  auto a = source.next_batch(10);
  auto b = source.next_batch(10);
  auto c = source.next_batch(10);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->records.size(), 10u);
  EXPECT_FALSE(a->exhausted);
  EXPECT_EQ(b->records.size(), 10u);
  EXPECT_FALSE(b->exhausted);
  EXPECT_EQ(c->records.size(), 5u);
  EXPECT_TRUE(c->exhausted);
  EXPECT_EQ(c->position, "25");
  auto d = source.next_batch(10);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->records.empty());
  EXPECT_TRUE(d->exhausted);
  EXPECT_EQ(d->position, "25");

  // Exactly reaching the bound in one batch reports exhaustion at once.
  GeneratorSource exact(GeneratorOptions{}, "generator", 10);
  ASSERT_TRUE(exact.resume(std::string("5")).ok());
  auto e = exact.next_batch(5);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->records.size(), 5u);
  EXPECT_TRUE(e->exhausted);

  GeneratorSource empty(GeneratorOptions{}, "generator", 0);
  ASSERT_TRUE(empty.resume(std::nullopt).ok());
  auto f = empty.next_batch(10);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->records.empty());
  EXPECT_TRUE(f->exhausted);
}

TEST(GeneratorSource, RejectsPositionsItCannotHaveWritten) {
  GeneratorSource source(GeneratorOptions{});
  for (const char* bad : {"", "abc", "-1", "+1", " 12", "12 ", "12x", "1.5", "0x10", "99999999999999999999999"}) {
    const Status status = source.resume(std::string(bad));
    ASSERT_FALSE(status.ok()) << "'" << bad << "'";
    EXPECT_EQ(status.error().code, Errc::corrupt) << "'" << bad << "'";
  }
  EXPECT_TRUE(source.resume(std::string("0")).ok());
  EXPECT_TRUE(source.resume(std::string("18446744073709551615")).ok());
}

}  // namespace
}  // namespace kascade
