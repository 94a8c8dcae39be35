// bench/transform_bench.cc: throughput of the config-driven flagship pipeline (configs/flagship.yaml, compiled),
// beside a bare simdjson DOM parse of the same bytes and the built-in UsersMapper.
//
// Usage: transform_bench [records=200000] [repetitions=7] [config=<source>/configs/flagship.yaml]
// One thread; the three are run interleaved (a, b, c, a, b, c, ...) so that noise hits all alike.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "pipeline/pipeline_loader.h"
#include "process/users_mapping.h"
#include "sources/generator/randomuser_generator.h"

namespace {

using namespace kascade;

double seconds_of(const std::function<void()>& run) {
  const auto start = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void report(const char* what, double seconds, size_t count, size_t bytes) {
  std::printf("%-40s %8.1f ms  %10.0f records/s  %7.1f MB/s  %6.0f ns/record\n", what, seconds * 1e3,
              static_cast<double>(count) / seconds, static_cast<double>(bytes) / seconds / 1e6,
              seconds * 1e9 / static_cast<double>(count));
}

}  // namespace

int main(int argc, char** argv) {
  const size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 7;
  const std::string config = argc > 3 ? argv[3] : KASCADE_SOURCE_DIR "/configs/flagship.yaml";
  if (count == 0 || repetitions <= 0) {
    std::fprintf(stderr, "usage: %s [records>0] [repetitions>0] [config]\n", argv[0]);
    return 2;
  }
  auto program = load_pipeline_spec_file(config);
  if (!program || !*program) {
    std::fprintf(stderr, "%s: %s\n", config.c_str(), program ? "no transforms" : program.error().message.c_str());
    return 2;
  }

  // The generator's users, all in one buffer, handed over as views (as the bus does).
  const RandomUserGenerator generator(GeneratorOptions{.seed = "transform-bench"});
  std::string bytes;
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < count; ++i) {
    const size_t start = bytes.size();
    generator.append_user_json(i, bytes);
    spans.emplace_back(start, bytes.size() - start);
  }
  auto value = [&](size_t i) { return std::string_view(bytes).substr(spans[i].first, spans[i].second); };
  std::printf("records: %zu RandomUserGenerator users, average %.0f bytes; simdjson %s; %d repetitions (median)\n",
              count, static_cast<double>(bytes.size()) / static_cast<double>(count),
              simdjson::get_active_implementation()->name().c_str(), repetitions);

  simdjson::dom::parser parser;
  size_t errors = 0;
  auto bare_parse = [&] {
    for (size_t i = 0; i < count; ++i) {
      simdjson::dom::element root;
      errors += parser.parse(value(i).data(), value(i).size()).get(root) != simdjson::SUCCESS;
    }
  };
  const std::string fetched_at = "1700000000000";
  const HeaderView headers[] = {{"source", "generator"}, {"fetched_at", fetched_at}};
  auto map_with = [&](auto& mapper, RowBatch& rows) {
    return [&] {
      rows.clear();
      ConsumedRecord record{.timestamp_ms = 1700000000000, .headers = headers};
      for (size_t i = 0; i < count; ++i) {
        record.offset = static_cast<int64_t>(i);
        record.value = value(i);
        errors += mapper.map(record, 1700000000001, rows).has_value();
        if (rows.rows() == 4096) rows.clear();
      }
    };
  };
  UsersMapper builtin;
  RowBatch builtin_rows(&users_schema());
  transforms::TransformRunner runner(*program, 1 << 20);
  RowBatch program_rows(&(*program)->schema);
  const std::function<void()> runs[] = {bare_parse, map_with(builtin, builtin_rows), map_with(runner, program_rows)};
  std::vector<double> times[3];
  for (int r = 0; r < repetitions; ++r) {
    for (int k = 0; k < 3; ++k) times[k].push_back(seconds_of(runs[k]));
  }
  for (auto& t : times) std::sort(t.begin(), t.end());
  const double bare = times[0][times[0].size() / 2], builtin_s = times[1][times[1].size() / 2],
               compiled = times[2][times[2].size() / 2];
  report("(a) bare simdjson dom::parser::parse", bare, count, bytes.size());
  report("(b) UsersMapper (built-in code)", builtin_s, count, bytes.size());
  report("(c) flagship.yaml, compiled program", compiled, count, bytes.size());
  const double rate = static_cast<double>(count) / compiled;
  std::printf("(c) vs (a): %.1f%% of the bare parse speed; (c) vs (b): %.1f%% of the built-in mapper's speed\n",
              bare / compiled * 100, builtin_s / compiled * 100);
  std::printf("target >= 1,000,000 records/s per core: %s (%.2fM)\n", rate >= 1e6 ? "MET" : "NOT MET", rate / 1e6);
  std::printf("target >= 50%% of bare simdjson parse:  %s (%.1f%%)\n", bare / compiled >= 0.5 ? "MET" : "NOT MET",
              bare / compiled * 100);
  std::printf("errors: %zu\n", errors);
  return errors == 0 ? 0 : 1;
}
