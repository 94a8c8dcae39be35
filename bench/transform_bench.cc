// bench/transform_bench.cc: throughput of the config-driven flagship pipeline (configs/flagship.yaml, compiled:
// parse + validate + map), beside a bare simdjson DOM parse and a bare On-Demand traversal of the same bytes,
// and the hand-written UsersMapper (the differential tests' reference).
//
// Usage: transform_bench [records=200000] [repetitions=7] [config=the embedded configs/flagship.yaml] [runs=abcd]
// `runs` picks some of the four (e.g. "c": for `perf stat` or callgrind of one; "-": none, the setup alone).
// One thread; the four are run interleaved (a, b, c, d, a, b, c, d, ...) so that noise hits all alike;
// each figure is the median of the repetitions.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "process/transforms/spec_loader.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/users_reference/users_mapping.h"

namespace {

using namespace kascade;

// (b): every value of the document visited once with On-Demand, strings unescaped and numbers parsed,
// as the compiled program's walk does (which reads the same way and skips nothing).
bool visit(simdjson::ondemand::value value, size_t& sink) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) return false;
  switch (type) {
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object object;
      if (value.get_object().get(object)) return false;
      for (auto member : object) {
        simdjson::ondemand::field field;
        if (std::move(member).get(field)) return false;
        sink += static_cast<size_t>(*field.key().raw());
        if (!visit(field.value(), sink)) return false;
      }
      return true;
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array array;
      if (value.get_array().get(array)) return false;
      for (auto element : array) {
        simdjson::ondemand::value item;
        if (std::move(element).get(item) || !visit(item, sink)) return false;
      }
      return true;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text)) return false;
      sink += text.size();
      return true;
    }
    case simdjson::ondemand::json_type::number: {
      simdjson::ondemand::number number;
      if (value.get_number().get(number)) return false;
      sink += static_cast<size_t>(number.get_number_type());
      return true;
    }
    case simdjson::ondemand::json_type::boolean: {
      bool truth = false;
      if (value.get_bool().get(truth)) return false;
      sink += truth;
      return true;
    }
    case simdjson::ondemand::json_type::null: {
      bool null = false;
      return value.is_null().get(null) == simdjson::SUCCESS && null;
    }
  }
  return false;
}

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
  const std::string config = argc > 3 && std::string(argv[3]) != "-" ? argv[3] : "";
  const std::string picked = argc > 4 ? argv[4] : "abcd";
  if (count == 0 || repetitions <= 0) {
    std::fprintf(stderr, "usage: %s [records>0] [repetitions>0] [config]\n", argv[0]);
    return 2;
  }
  auto program = load_pipeline_program(config);  // no config: the embedded configs/flagship.yaml
  if (!program) {
    std::fprintf(stderr, "%s: %s\n", config.c_str(), program.error().message.c_str());
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
  std::printf(
      "records: %zu RandomUserGenerator users, average %.0f bytes; simdjson %s (On-Demand: %s); "
      "%d repetitions (median); program: %s\n",
      count, static_cast<double>(bytes.size()) / static_cast<double>(count),
      simdjson::get_active_implementation()->name().c_str(), simdjson::builtin_implementation()->name().c_str(),
      repetitions, config.empty() ? "embedded configs/flagship.yaml" : config.c_str());

  simdjson::dom::parser parser;
  size_t errors = 0;
  auto bare_parse = [&] {
    for (size_t i = 0; i < count; ++i) {
      simdjson::dom::element root;
      errors += parser.parse(value(i).data(), value(i).size()).get(root) != simdjson::SUCCESS;
    }
  };
  simdjson::ondemand::parser ondemand;
  std::string padded(bytes.size() + simdjson::SIMDJSON_PADDING, '\0');
  size_t visited = 0;
  auto bare_ondemand = [&] {
    for (size_t i = 0; i < count; ++i) {
      // The padded copy the compiled program also makes (the bus's bytes carry no padding).
      const std::string_view v = value(i);
      std::memcpy(padded.data(), v.data(), v.size());
      std::memset(padded.data() + v.size(), 0, simdjson::SIMDJSON_PADDING);
      simdjson::ondemand::document doc;
      simdjson::ondemand::object root;
      if (ondemand.iterate(padded.data(), v.size(), padded.size()).get(doc) || doc.get_object().get(root)) {
        ++errors;
        continue;
      }
      size_t sink = 0;
      bool ok = true;
      for (auto member : root) {
        simdjson::ondemand::field field;
        if (std::move(member).get(field) || !visit(field.value(), sink)) {
          ok = false;
          break;
        }
      }
      errors += !ok;
      visited += sink;
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
  const std::function<void()> runs[] = {bare_parse, bare_ondemand, map_with(runner, program_rows),
                                        map_with(builtin, builtin_rows)};
  std::vector<double> times[4];
  for (int r = 0; r < repetitions; ++r) {
    for (int k = 0; k < 4; ++k) {
      times[k].push_back(picked.find(static_cast<char>('a' + k)) != std::string::npos ? seconds_of(runs[k]) : 1e-9);
    }
  }
  for (auto& t : times) std::sort(t.begin(), t.end());
  const double bare = times[0][times[0].size() / 2], bare_od = times[1][times[1].size() / 2],
               compiled = times[2][times[2].size() / 2], builtin_s = times[3][times[3].size() / 2];
  report("(a) bare simdjson dom::parser::parse", bare, count, bytes.size());
  report("(b) bare On-Demand, every value visited", bare_od, count, bytes.size());
  report("(c) flagship.yaml, compiled program", compiled, count, bytes.size());
  report("(d) UsersMapper (hand-written reference)", builtin_s, count, bytes.size());
  const double rate = static_cast<double>(count) / compiled;
  std::printf(
      "(c) vs (a): %.1f%% of the bare DOM parse speed; (c) vs (b): %.1f%% of the bare On-Demand traversal; "
      "(c) vs (d): %.1f%%\n",
      bare / compiled * 100, bare_od / compiled * 100, builtin_s / compiled * 100);
  std::printf("(c) records that fell back to the DOM path: %llu of %llu\n",
              static_cast<unsigned long long>(runner.dom_fallbacks()),
              static_cast<unsigned long long>(count) * static_cast<unsigned long long>(repetitions));
  std::printf("target >= 1,000,000 records/s per core: %s (%.2fM)\n", rate >= 1e6 ? "MET" : "NOT MET", rate / 1e6);
  std::printf("target >= 50%% of bare simdjson parse:  %s (%.1f%%)\n", bare / compiled >= 0.5 ? "MET" : "NOT MET",
              bare / compiled * 100);
  std::printf("errors: %zu (checksum %zu)\n", errors, visited);
  return errors == 0 ? 0 : 1;
}
