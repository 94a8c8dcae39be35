// bench/window_bench.cc: window aggregation updates/s on one core, and the memory of a group.
//
// Usage: window_bench [records=2000000] [repetitions=5] [distinct_rows=512]
// The flagship plan (users per country per one-minute tumbling window: count,
// female, male, avg age) over generator users mapped to `users` rows, event
// times advancing 100 records per ms, out of order by up to 2 s. Prints, best of the repetitions:
//   - engine:  WindowAggregator::add() alone (group key and inputs prepared)
//   - row path: WindowRowReader::read() on the mapped row + add(), as the processor runs it
//   - hopping: the row path with 1-minute windows sliding every 10 s (6 updates per record)
// and the heap bytes per group (glibc mallinfo2, over 200,000 groups).
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "process/windows/group_key.h"
#include "process/windows/window_aggregator.h"
#include "process/windows/window_row_reader.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade {
namespace {

WindowPlan flagship_plan(int64_t slide_ms) {
  WindowPlan plan;
  plan.table = "users_per_country_minute";
  plan.event_time = "header.fetched_at";
  plan.group_by = {"country"};
  plan.aggregates =
      parse_aggregates("users=count, female=count(gender=female), male=count(gender=male), avg_age=avg(age)").value();
  plan.size_ms = 60000;
  plan.slide_ms = slide_ms;
  plan.allowed_lateness_ms = 5000;
  return plan;
}

// Mapped rows of distinct generator users and their records (for the headers).
struct Input {
  std::vector<Record> records;
  std::vector<std::vector<HeaderView>> headers;
  std::vector<ConsumedRecord> consumed;
  RowBatch rows{&users_schema()};
};

void make_input(Input& in, size_t distinct) {
  RandomUserGenerator generator(GeneratorOptions{.seed = "window-bench"});
  UsersMapper mapper;
  const int64_t base = 1'700'000'000'000;
  for (size_t i = 0; i < distinct; ++i) {
    // Ten minutes of event time, out of order by up to 2 s.
    in.records.push_back(generator.record(
        i, base + static_cast<int64_t>(i * 600000 / distinct) - static_cast<int64_t>(i * 7919 % 2000)));
  }
  in.headers.resize(distinct);
  for (size_t i = 0; i < distinct; ++i) {
    for (const Header& h : in.records[i].headers) in.headers[i].push_back({h.name, h.value});
    ConsumedRecord c;
    c.partition = static_cast<int32_t>(i % 4);
    c.value = in.records[i].value;
    c.key = in.records[i].key;
    c.headers = in.headers[i];
    in.consumed.push_back(c);
    if (mapper.map(c, base, in.rows)) {
      std::fprintf(stderr, "record %zu did not map\n", i);
      std::exit(1);
    }
  }
}

// The event time of the i-th record fed: 100 records per ms of event time (a one-minute window holds
// 6,000,000 records, as with a 100,000 records/s stream), out of order by up to 2 s. Derived from i,
// not from the cycled rows, so windows advance as in a stream rather than churn with each cycle.
int64_t event_time(size_t i) {
  return 1'700'000'000'000 + static_cast<int64_t>(i / 100) - static_cast<int64_t>(i * 7919 % 2000);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Feeds `records` rows (cycling over the input, event times shifted so time keeps advancing).
double row_path(const Input& in, size_t records, int64_t slide_ms, uint64_t& updates) {
  const WindowPlan plan = flagship_plan(slide_ms);
  const TableSchema schema = results_schema(plan, users_schema()).value();
  WindowAggregator windows(plan, schema, 4);
  WindowRowReader reader = WindowRowReader::bind(plan, users_schema()).value();
  WindowDelta delta(&schema);
  const size_t n = in.consumed.size();
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < records; ++i) {
    const size_t row = i % n;
    if (!reader.read(in.consumed[row], in.rows, row)) std::abort();
    windows.add(in.consumed[row].partition, event_time(i), reader.group_key(), reader.inputs());
    if ((i + 1) % 5000 == 0) {  // a sink batch's checkpoint
      windows.take_changes(delta);
      delta.clear();
    }
  }
  const double s = seconds_since(start);
  updates = windows.stats().updates;
  return s;
}

// WindowRowReader::read() alone: the cost of extracting event time, key and inputs from a row.
double reader_only(const Input& in, size_t records) {
  const WindowPlan plan = flagship_plan(60000);
  WindowRowReader reader = WindowRowReader::bind(plan, users_schema()).value();
  const size_t n = in.consumed.size();
  int64_t sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < records; ++i) {
    const size_t row = i % n;
    if (!reader.read(in.consumed[row], in.rows, row)) std::abort();
    sink += reader.event_ms() + static_cast<int64_t>(reader.group_key().size());
  }
  const double s = seconds_since(start);
  if (sink == 42) std::puts("");
  return s;
}

double engine_only(const Input& in, size_t records, uint64_t& updates) {
  const WindowPlan plan = flagship_plan(60000);
  const TableSchema schema = results_schema(plan, users_schema()).value();
  WindowAggregator windows(plan, schema, 4);
  WindowRowReader reader = WindowRowReader::bind(plan, users_schema()).value();
  struct Prepared {
    int32_t partition;
    int64_t event_ms;
    std::string key;
    std::vector<AggregateInput> inputs;
  };
  std::vector<Prepared> prepared;
  for (size_t row = 0; row < in.consumed.size(); ++row) {
    reader.read(in.consumed[row], in.rows, row);
    prepared.push_back({in.consumed[row].partition,
                        reader.event_ms(),
                        std::string(reader.group_key()),
                        {reader.inputs().begin(), reader.inputs().end()}});
  }
  WindowDelta delta(&schema);
  const size_t n = prepared.size();
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < records; ++i) {
    const Prepared& p = prepared[i % n];
    windows.add(p.partition, event_time(i), p.key, p.inputs);
    if ((i + 1) % 5000 == 0) {
      windows.take_changes(delta);
      delta.clear();
    }
  }
  const double s = seconds_since(start);
  updates = windows.stats().updates;
  return s;
}

void bytes_per_group() {
  const size_t groups = 200000;
  const WindowPlan plan = flagship_plan(60000);
  const TableSchema schema = results_schema(plan, users_schema()).value();
  const size_t before = mallinfo2().uordblks;
  {
    auto windows = std::make_unique<WindowAggregator>(plan, schema, 1);
    std::string key;
    const AggregateInput inputs[] = {{true, 0, {}}, {true, 0, {}}, {false, 0, {}}, {true, 33, {}}};
    for (size_t g = 0; g < groups; ++g) {
      key.clear();
      group_key::append_text(key, "country-" + std::to_string(g));  // 11-16 bytes with tag and length
      windows->add(0, 1000, key, inputs);
    }
    const size_t after = mallinfo2().uordblks;
    WindowDelta delta(&schema);
    windows->take_changes(delta);
    size_t state = 0;
    for (const auto& e : delta.states) state += e.group_key.size() + e.state.size();
    std::printf(
        "memory: %.0f heap bytes per group (mallinfo2, %zu groups, keys of 11-16 bytes), %.0f estimated by "
        "memory_bytes(); checkpointed state %.1f bytes per group (key + state)\n",
        double(after - before) / groups, groups, double(windows->memory_bytes()) / groups, double(state) / groups);
  }
}

}  // namespace
}  // namespace kascade

int main(int argc, char** argv) {
  using namespace kascade;
  const size_t records = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 5;
  Input in;
  // 512 mapped rows (about 400 KB with their records), cycled: the processor reads a row right after
  // mapping it, while it is in cache; cycling over megabytes would measure cache misses instead.
  const size_t rows = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 512;
  make_input(in, rows);
  double best_engine = 1e9, best_rows = 1e9, best_hopping = 1e9, best_reader = 1e9;
  uint64_t engine_updates = 0, row_updates = 0, hopping_updates = 0;
  for (int r = 0; r < repetitions; ++r) {
    best_engine = std::min(best_engine, engine_only(in, records, engine_updates));
    best_reader = std::min(best_reader, reader_only(in, records));
    best_rows = std::min(best_rows, row_path(in, records, 60000, row_updates));
    best_hopping = std::min(best_hopping, row_path(in, records, 10000, hopping_updates));
  }
  std::printf(
      "window_bench: %zu records, flagship plan (count, 2 conditional counts, avg; by country), best of %d, one "
      "thread\n",
      records, repetitions);
  std::printf("engine   (add only):        %6.2f M updates/s\n", engine_updates / best_engine / 1e6);
  std::printf("reader   (read only):       %6.2f M records/s\n", records / best_reader / 1e6);
  std::printf("row path (read + add):      %6.2f M updates/s (%.2f M records/s)\n", row_updates / best_rows / 1e6,
              records / best_rows / 1e6);
  std::printf("hopping  (60 s every 10 s): %6.2f M updates/s (%.2f M records/s)\n",
              hopping_updates / best_hopping / 1e6, records / best_hopping / 1e6);
  std::printf("target: >= 2.00 M record updates/s per core (docs/design.md)\n");
  bytes_per_group();
  return 0;
}
