// bench/parse_map_bench.cc: parse+validate+map throughput of UsersMapper vs a bare simdjson DOM parse.
//
// Usage: parse_map_bench [records=200000] [repetitions=7] [generator|synthetic]
// One thread. Prints records/s, MB/s, the ratio to the bare parse, and the targets of docs/design.md.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/record.h"
#include "core/row.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade {
namespace {

// All records' bytes in one buffer, as the bus hands them over: views, not copies.
struct Corpus {
  std::string bytes;
  std::vector<std::pair<size_t, size_t>> spans;  // offset, size
  std::vector<Header> headers;                   // fetched_at per record (same for all)
  std::string_view value(size_t i) const { return std::string_view(bytes).substr(spans[i].first, spans[i].second); }
};

// Varied randomuser-shaped users (API 1.4, with the older variants mixed in).
class SyntheticUsers {
 public:
  void append(size_t index, std::string& out) {
    state_ = index * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    static const char* const kFirst[] = {"Thea",  "Jennie", "Maëlle", "Oğuz", "Lúcia",  "Noah",
                                         "Aarav", "Sofía",  "Emil",   "Zoë",  "Mathis", "Ikaika"};
    static const char* const kLast[] = {"Lindqvist", "Nichols", "Dubois", "Yılmaz",  "Gonçalves",
                                        "Fischer",   "Sharma",  "Moreno", "Ødegård", "Nguyen"};
    static const char* const kCity[] = {"Bozeman", "Lyon",   "İzmir",   "Porto",      "Kiel",
                                        "Pune",    "Bergen", "Sevilla", "Wellington", "Billings"};
    static const char* const kNat[] = {"US", "FR", "TR", "BR", "DE", "IN", "NO", "ES", "NZ", "GB"};
    const size_t first = pick(12), last = pick(10), city = pick(10), nat = pick(10);
    const bool female = pick(2) == 0;
    out += R"({"gender":")";
    out += female ? "female" : "male";
    out += R"(","name":{"title":")";
    out += female ? "Ms" : "Mr";
    out += R"(","first":")";
    out += kFirst[first];
    out += R"(","last":")";
    out += kLast[last];
    out += R"("},"location":{"street":)";
    const unsigned number = static_cast<unsigned>(1 + pick(9999));
    if (pick(10) == 0) {
      out += "\"" + std::to_string(number) + " valwood pkwy\"";
    } else {
      out += R"({"number":)" + std::to_string(number) + R"(,"name":"Hollow Creek Rd"})";
    }
    out += R"(,"city":")";
    out += kCity[city];
    out += R"(","state":"Region )" + std::to_string(pick(50)) + R"(","country":"Country )" + kNat[nat] +
           R"(","postcode":)";
    out += pick(3) == 0 ? "\"IZ" + std::to_string(pick(99)) + " 5RD\"" : std::to_string(10000 + pick(89999));
    out += R"(,"coordinates":{"latitude":")" + std::to_string(static_cast<double>(pick(180000)) / 1000 - 90) +
           R"(","longitude":")" + std::to_string(static_cast<double>(pick(360000)) / 1000 - 180) +
           R"("},"timezone":{"offset":"+)" + std::to_string(pick(12)) +
           R"(:00","description":"Somewhere, Elsewhere"}},"email":")";
    out += kFirst[first];
    out += ".";
    out += kLast[last];
    out +=
        R"(@example.com","login":{"uuid":")" + hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12) +
        R"(","username":"user)" + std::to_string(pick(100000)) + R"(","password":"secret)" +
        std::to_string(pick(1000)) + R"(","salt":")" + hex(8) + R"(","md5":")" + hex(32) + R"(","sha1":")" + hex(40) +
        R"(","sha256":")" + hex(64) + R"("},"dob":{"date":"19)" + std::to_string(50 + pick(50)) + "-0" +
        std::to_string(1 + pick(9)) + "-1" + std::to_string(pick(10)) + R"(T15:13:16.688Z","age":)" +
        std::to_string(20 + pick(60)) + R"(},"registered":{"date":"20)" + std::to_string(10 + pick(10)) +
        R"(-07-09T05:51:59.390Z","age":)" + std::to_string(pick(15)) + R"(},"phone":"(272) 790-)" +
        std::to_string(1000 + pick(8999)) + R"(","cell":"(489) 330-)" + std::to_string(1000 + pick(8999)) +
        R"(","id":{"name":"SSN","value":)" +
        (pick(4) == 0 ? std::string("null") : "\"405-88-" + std::to_string(1000 + pick(8999)) + "\"") +
        R"(},"picture":{"large":"https://randomuser.me/api/portraits/women/75.jpg","medium":"https://randomuser.me/api/portraits/med/women/75.jpg","thumbnail":"https://randomuser.me/api/portraits/thumb/women/75.jpg"},"nat":")" +
        kNat[nat] + "\"}";
  }

 private:
  size_t pick(size_t n) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<size_t>(state_ % n);
  }
  std::string hex(size_t n) {
    std::string s(n, '0');
    for (char& c : s) c = "0123456789abcdef"[pick(16)];
    return s;
  }
  uint64_t state_ = 1;
};

// The generator's users (the default), or the bench's own synthetic ones.
Corpus build_corpus(size_t count, bool synthetic) {
  Corpus corpus;
  SyntheticUsers users;
  const RandomUserGenerator generator(GeneratorOptions{.seed = "parse-map-bench"});
  corpus.bytes.reserve(count * 1200);
  for (size_t i = 0; i < count; ++i) {
    const size_t start = corpus.bytes.size();
    if (synthetic) {
      users.append(i, corpus.bytes);
    } else {
      generator.append_user_json(i, corpus.bytes);
    }
    corpus.spans.emplace_back(start, corpus.bytes.size() - start);
  }
  return corpus;
}

struct Timing {
  double median = 0;
  double best = 0;
};

// Runs each function `repetitions` times, interleaved (a, b, a, b, ...) so that noise from
// other processes hits both alike; returns each one's median and best seconds.
template <typename A, typename B>
std::pair<Timing, Timing> time_interleaved(int repetitions, A&& run_a, B&& run_b) {
  std::vector<double> a, b;
  auto time = [](auto& run) {
    const auto start = std::chrono::steady_clock::now();
    run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (int r = 0; r < repetitions; ++r) {
    a.push_back(time(run_a));
    b.push_back(time(run_b));
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return {Timing{a[a.size() / 2], a.front()}, Timing{b[b.size() / 2], b.front()}};
}

void report(const char* what, double seconds, size_t count, size_t bytes) {
  std::printf("%-34s %8.3f ms  %12.0f records/s  %8.1f MB/s  %7.1f ns/record\n", what, seconds * 1e3,
              static_cast<double>(count) / seconds, static_cast<double>(bytes) / seconds / 1e6,
              seconds * 1e9 / static_cast<double>(count));
}

}  // namespace
}  // namespace kascade

int main(int argc, char** argv) {
  using namespace kascade;
  const size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 7;
  const bool synthetic = argc > 3 && std::string_view(argv[3]) == "synthetic";
  if (count == 0 || repetitions <= 0) {
    std::fprintf(stderr, "usage: %s [records>0] [repetitions>0]\n", argv[0]);
    return 2;
  }

  const Corpus corpus = build_corpus(count, synthetic);
  const size_t total_bytes = corpus.bytes.size();
  std::printf("records: %zu (%s), average size %.0f bytes, %.1f MB total\n", count,
              synthetic ? "bench synthetic users" : "RandomUserGenerator",
              static_cast<double>(total_bytes) / static_cast<double>(count), static_cast<double>(total_bytes) / 1e6);
  std::printf("simdjson %d.%d.%d, implementation %s, repetitions %d (median reported)\n",
              int(simdjson::SIMDJSON_VERSION_MAJOR), int(simdjson::SIMDJSON_VERSION_MINOR),
              int(simdjson::SIMDJSON_VERSION_REVISION), simdjson::get_active_implementation()->name().c_str(),
              repetitions);

  // (a) bare DOM parse of the same bytes: parse(ptr, len) copies into the parser's padded buffer.
  simdjson::dom::parser parser;
  size_t parse_errors = 0;
  auto bare_parse = [&] {
    parse_errors = 0;
    for (size_t i = 0; i < count; ++i) {
      const std::string_view v = corpus.value(i);
      simdjson::dom::element root;
      parse_errors += parser.parse(v.data(), v.size()).get(root) != simdjson::SUCCESS;
    }
  };

  // (b) UsersMapper::map into a RowBatch, cleared every few thousand rows like a sink batch.
  UsersMapper mapper;
  RowBatch rows(&users_schema());
  size_t failures = 0;
  const int64_t fetched_at = 1700000000000;
  const std::string fetched_at_text = std::to_string(fetched_at);
  const HeaderView headers[] = {{"source", "generator"}, {"fetched_at", fetched_at_text}};
  auto map_all = [&] {
    failures = 0;
    rows.clear();
    ConsumedRecord record;
    record.headers = headers;
    record.timestamp_ms = fetched_at;
    for (size_t i = 0; i < count; ++i) {
      record.offset = static_cast<int64_t>(i);
      record.value = corpus.value(i);
      failures += mapper.map(record, fetched_at + 1, rows).has_value();
      if (rows.rows() == 4096) rows.clear();
    }
  };
  const auto [bare_timing, mapped_timing] = time_interleaved(repetitions, bare_parse, map_all);
  const double bare = bare_timing.median;
  const double mapped = mapped_timing.median;

  report("(a) bare simdjson dom::parser::parse", bare, count, total_bytes);
  report("(b) UsersMapper::map", mapped, count, total_bytes);
  const double rate = static_cast<double>(count) / mapped;
  const double ratio = bare / mapped;
  std::printf("ratio (b)/(a) speed: %.1f%% (best runs: %.1f%%, %.0f records/s)\n", ratio * 100,
              bare_timing.best / mapped_timing.best * 100, static_cast<double>(count) / mapped_timing.best);
  std::printf("errors: bare parse %zu, mapping failures %zu\n", parse_errors, failures);
  std::printf("target >= 1,000,000 records/s per core: %s (%.2fM)\n", rate >= 1e6 ? "MET" : "NOT MET", rate / 1e6);
  std::printf("target >= 50%% of bare simdjson parse:  %s (%.1f%%)\n", ratio >= 0.5 ? "MET" : "NOT MET", ratio * 100);
  return failures == 0 && parse_errors == 0 ? 0 : 1;
}
