// Unit tests of sinks/cassandra/cassandra_window_state: how sink batches become
// commits of the state partition, the BATCH frame, decoding the partition, the
// lease owner id. No Cassandra needed (the e2e tests run it for real).
#include "sinks/cassandra/cassandra_window_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <tuple>

#include "cql/wire.h"

namespace kascade {
namespace {

const TableSchema kRows{"users", {{"id", ColumnType::text}}, {"id"}};
const TableSchema kResults{
    "per_minute",
    {{"country", ColumnType::text}, {"window_start", ColumnType::timestamp}, {"users", ColumnType::int64}},
    {"country", "window_start"}};

std::unique_ptr<SinkBatch> batch_with(OffsetMap offsets, std::vector<int64_t> closed,
                                      std::vector<WindowStateEntry> states,
                                      std::map<int32_t, PartitionClock> clocks = {}) {
  auto batch = std::make_unique<SinkBatch>(&kRows);
  batch->next_offsets = std::move(offsets);
  batch->windows = std::make_unique<WindowDelta>(&kResults);
  batch->windows->closed_windows = std::move(closed);
  batch->windows->states = std::move(states);
  batch->windows->clocks = std::move(clocks);
  return batch;
}

std::vector<StateCommit> plan(const std::vector<std::unique_ptr<SinkBatch>>& batches, size_t max_bytes = 1 << 20,
                              size_t max_statements = 1000) {
  std::vector<const SinkBatch*> views;
  for (const auto& b : batches) views.push_back(b.get());
  return plan_state_commits(views, max_bytes, max_statements);
}

TEST(PlanStateCommits, MergesBatchesIntoTheirNetEffect) {
  std::vector<std::unique_ptr<SinkBatch>> batches;
  batches.push_back(batch_with({{0, 10}, {1, 5}}, {}, {{60000, "FR", "a"}, {60000, "DE", "b"}}, {{0, {61000, 0}}}));
  batches.push_back(batch_with({{0, 20}}, {}, {{60000, "FR", "c"}, {120000, "FR", "d"}}, {{0, {121000, 2}}}));
  const auto commits = plan(batches);
  ASSERT_EQ(commits.size(), 1u);
  const StateCommit& c = commits[0];
  EXPECT_EQ(c.offsets, (OffsetMap{{0, 20}, {1, 5}}));  // the last offsets win
  ASSERT_EQ(c.states.size(), 3u);
  EXPECT_EQ(c.states.at({60000, "FR"}), "c");  // the last state of a group wins
  EXPECT_EQ(c.states.at({60000, "DE"}), "b");
  EXPECT_EQ(c.states.at({120000, "FR"}), "d");
  EXPECT_EQ(c.clocks.at(0).max_event_ms, 121000);
  EXPECT_EQ(c.clocks.at(0).late_records, 2);
  EXPECT_TRUE(c.deleted_windows.empty());
  EXPECT_EQ(c.statements(), 1u + 3 + 1 + 2);
}

TEST(PlanStateCommits, AClosedWindowDropsItsEarlierStatesAndIsDeleted) {
  std::vector<std::unique_ptr<SinkBatch>> batches;
  batches.push_back(batch_with({{0, 10}}, {}, {{60000, "FR", "a"}, {120000, "FR", "b"}}));
  batches.push_back(batch_with({{0, 11}}, {60000}, {}));
  const auto commits = plan(batches);
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].deleted_windows, std::vector<int64_t>{60000});
  ASSERT_EQ(commits[0].states.size(), 1u);
  EXPECT_EQ(commits[0].states.begin()->first.first, 120000);
}

TEST(PlanStateCommits, AStateAfterADeleteOfItsWindowStartsANewCommit) {
  // One BATCH gives every statement the same timestamp, where a delete wins:
  // the state must go in a later commit.
  std::vector<std::unique_ptr<SinkBatch>> batches;
  batches.push_back(batch_with({{0, 10}}, {60000}, {}));
  batches.push_back(batch_with({{0, 11}}, {}, {{60000, "FR", "x"}}));
  const auto commits = plan(batches);
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[0].deleted_windows, std::vector<int64_t>{60000});
  EXPECT_EQ(commits[0].offsets.at(0), 10);
  EXPECT_EQ(commits[1].states.size(), 1u);
  EXPECT_EQ(commits[1].offsets.at(0), 11);
}

TEST(PlanStateCommits, SplitsOnlyAtBatchBoundaries) {
  std::vector<std::unique_ptr<SinkBatch>> batches;
  for (int i = 0; i < 5; ++i) {
    std::vector<WindowStateEntry> states;
    for (int g = 0; g < 10; ++g) states.push_back({60000, "key" + std::to_string(g), std::string(100, 'x')});
    batches.push_back(batch_with({{0, 10 * (i + 1)}}, {}, std::move(states)));
  }
  // Each batch is about 1.1 KB: at most two fit in 2.5 KB.
  const auto commits = plan(batches, 2500, 1000);
  ASSERT_EQ(commits.size(), 3u);
  EXPECT_EQ(commits[0].offsets.at(0), 20);
  EXPECT_EQ(commits[1].offsets.at(0), 40);
  EXPECT_EQ(commits[2].offsets.at(0), 50);
  // A single batch over the limit stays whole.
  const auto whole = plan(batches, 10, 1000);
  ASSERT_EQ(whole.size(), 5u);
  for (const auto& c : whole) EXPECT_EQ(c.states.size(), 10u);
}

TEST(PlanStateCommits, BatchesWithoutWindowsStillCommitTheirOffsets) {
  auto batch = std::make_unique<SinkBatch>(&kRows);
  batch->next_offsets = {{3, 7}};
  std::vector<const SinkBatch*> views{batch.get()};
  const auto commits = plan_state_commits(views, 1 << 20, 1000);
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].offsets, (OffsetMap{{3, 7}}));
}

// Window results of several batches of one write, each (country, window_start, users).
std::vector<std::vector<bool>> superseded_of(
    const std::vector<std::vector<std::tuple<std::string, int64_t, int64_t>>>& rows) {
  std::vector<std::unique_ptr<SinkBatch>> batches;
  std::vector<const SinkBatch*> views;
  for (const auto& results : rows) {
    batches.push_back(batch_with({}, {}, {}));
    for (const auto& [country, start, users] : results) {
      RowBatch& out = batches.back()->windows->results;
      const size_t row = out.add_row();
      out.set_text(row, 0, country);
      out.set_integer(row, 1, start);
      out.set_integer(row, 2, users);
    }
    views.push_back(batches.back().get());
  }
  return superseded_results(views, kResults);
}

TEST(SupersededResults, OnlyTheNewestResultOfEachWindowAndGroupIsSent) {
  // Early updates of FR and DE in the first batch, FR's final result in the third.
  const auto superseded = superseded_of(
      {{{"FR", 60000, 5}, {"DE", 60000, 2}, {"FR", 0, 9}}, {{"FRA", 60000, 1}}, {{"FR", 60000, 7}, {"FR", 60000, 8}}});
  ASSERT_EQ(superseded.size(), 3u);
  EXPECT_EQ(superseded[0],
            (std::vector<bool>{true, false, false}));          // FR@60000 (newer later), DE, FR@0 (another window)
  EXPECT_EQ(superseded[1], (std::vector<bool>{false}));        // "FRA" is another group than "FR"
  EXPECT_EQ(superseded[2], (std::vector<bool>{true, false}));  // within a batch too, the last one wins
}

// A statement as Cassandra prepares it: markers of these types, the first three the partition key.
std::shared_ptr<const cql::PreparedStatement> prepared(std::string cql, std::vector<cql::TypeId> markers) {
  auto s = std::make_shared<cql::PreparedStatement>();
  s->cql = std::move(cql);
  s->meta.id = s->cql;
  for (size_t i = 0; i < markers.size(); ++i)
    s->meta.bind_columns.push_back({"ks", "window_state", std::to_string(i), cql::TypeSpec::of(markers[i])});
  return s;
}

TEST(StateCommitBatch, IsOneConditionalLoggedBatchOfThePartition) {
  using enum cql::TypeId;
  WindowStateStatements statements;
  statements.renew = prepared("renew", {timestamp, varchar, varchar, varchar, varchar});
  statements.remove = prepared("remove", {varchar, varchar, varchar, bigint});
  statements.put_state = prepared("state", {varchar, varchar, varchar, bigint, blob, blob});
  statements.put_clock = prepared("clock", {varchar, varchar, varchar, bigint, blob, bigint, bigint});
  statements.put_offset = prepared("offset", {varchar, varchar, varchar, bigint, blob, bigint});
  StateCommit commit;
  commit.deleted_windows = {60000};
  commit.states[{120000, "FR"}] = "state";
  commit.clocks[0] = {121000, 1};
  commit.offsets[0] = 42;
  const WindowStateScope scope{"ks", "group", "topic", "per_minute"};
  auto batch = state_commit_batch(statements, scope, "me:1:ab", 99, commit);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  // The condition first, then delete, state, clock and offset.
  const std::vector<std::shared_ptr<const cql::PreparedStatement>> order = {
      statements.renew, statements.remove, statements.put_state, statements.put_clock, statements.put_offset};
  EXPECT_EQ(batch->statements(), order);
  const std::string frame = batch->frame(4, {.consistency = cql::Consistency::local_quorum});
  EXPECT_EQ(static_cast<uint8_t>(frame[4]), static_cast<uint8_t>(cql::Opcode::batch));
  EXPECT_EQ(frame[9], 0);  // LOGGED
  // The lease renewal binds the lease's end, the partition, then the owner.
  cql::BodyReader r(std::string_view(frame).substr(12));
  EXPECT_EQ(r.byte(), 1);  // a prepared id
  EXPECT_EQ(r.string(), "renew");
  ASSERT_EQ(r.u16(), 5);
  bool is_null = false;
  EXPECT_EQ(r.bytes(is_null), std::string("\0\0\0\0\0\0\0\x63", 8));
  EXPECT_EQ(r.bytes(is_null), "group");
  EXPECT_EQ(r.bytes(is_null), "topic");
  EXPECT_EQ(r.bytes(is_null), "per_minute");
  EXPECT_EQ(r.bytes(is_null), "me:1:ab");
  EXPECT_FALSE(r.failed());
}

cql::CqlValue integer(int64_t v) { return cql::CqlValue{v}; }
cql::CqlValue text(std::string v) { return cql::CqlValue{std::move(v)}; }

TEST(DecodeWindowState, ReadsOffsetsClocksAndStates) {
  cql::Rows rows;
  for (const char* name : {"kind", "id", "group_key", "next_offset", "max_event_ms", "late_records", "state"})
    rows.metadata.columns.push_back({"ks", "window_state", name, {}});
  const cql::CqlValue null;
  rows.rows.push_back({integer(0), integer(2), text(std::string(1, '\0')), integer(500), null, null, null});
  rows.rows.push_back({integer(1), integer(-1), text(std::string(1, '\0')), null, integer(60000), integer(0), null});
  rows.rows.push_back({integer(1), integer(2), text(std::string(1, '\0')), null, integer(61000), integer(3), null});
  rows.rows.push_back({integer(2), integer(60000), text("FR"), null, null, null, text("s")});
  rows.rows.push_back({null, null, null, null, null, null, null});  // statics only
  auto decoded = decode_window_state(rows);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->offsets, (OffsetMap{{2, 500}}));
  ASSERT_EQ(decoded->checkpoint.clocks.size(), 2u);
  EXPECT_EQ(decoded->checkpoint.clocks.at(kHorizonPartition).max_event_ms, 60000);
  EXPECT_EQ(decoded->checkpoint.clocks.at(2).late_records, 3);
  ASSERT_EQ(decoded->checkpoint.states.size(), 1u);
  EXPECT_EQ(decoded->checkpoint.states[0].window_start, 60000);
  EXPECT_EQ(decoded->checkpoint.states[0].group_key, "FR");
  EXPECT_EQ(decoded->checkpoint.states[0].state, "s");

  rows.rows.push_back({integer(7), integer(0), text("x"), null, null, null, null});
  EXPECT_FALSE(decode_window_state(rows).ok());
}

TEST(WindowLease, OwnerIdsAreUniqueAndNameThisProcess) {
  const std::string a = window_lease_owner_id(), b = window_lease_owner_id();
  EXPECT_NE(a, b);
  EXPECT_NE(a.find(":" + std::to_string(getpid()) + ":"), std::string::npos) << a;
  EXPECT_FALSE(window_lease_holder_dead("some-other-host:1:ab"));  // another host: cannot tell
  EXPECT_FALSE(window_lease_holder_dead("garbage"));
  // This host: a pid that does not run is dead; a running one (pid 1) is not.
  const std::string host = a.substr(0, a.find(':'));
  EXPECT_TRUE(window_lease_holder_dead(host + ":999999999:00"));
  EXPECT_FALSE(window_lease_holder_dead(host + ":1:00"));
}

}  // namespace
}  // namespace kascade
