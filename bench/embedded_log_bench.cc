// bench/embedded_log_bench.cc: append and read throughput of the embedded log on ~1 KB JSON records.
//
// Usage: embedded_log_bench [records=200000] [data_dir|-] [page_size] [lz4_acceleration]
// (data_dir "-" or absent: a fresh directory under /tmp, removed afterwards).
// Prints records/s for appends (sync=full and normal, lz4 and none), for
// reads through a consumer (read + CRC + decompress + decode), and the
// compression ratio on realistic, varying randomuser-like JSON.
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bus/embedded/batch_codec.h"
#include "bus/embedded/embedded_consumer.h"
#include "bus/embedded/embedded_log.h"
#include "bus/embedded/embedded_producer.h"

namespace kascade {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// CPU seconds of this process (user + system): figures per CPU second stay
// meaningful when other work shares the machine.
double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// randomuser-like users: names, places and dates from small lists (as the
// real API), plus the random hex hashes, uuids and salts it returns.
class UserFactory {
 public:
  explicit UserFactory(uint64_t seed) : rng_(seed) {}

  Record make(int64_t seq) {
    static const char* kFirst[] = {"Emma",  "Liam",  "Olivia", "Noah",  "Ava",   "Lucas", "Mia",
                                   "Ethan", "Sofia", "Mateo",  "Chloe", "Arjun", "Yuki",  "Lea",
                                   "Hugo",  "Amira", "Jonas",  "Ines",  "Oskar", "Zoe"};
    static const char* kLast[] = {"Smith", "Garcia",   "Muller", "Rossi",   "Dubois", "Jensen",
                                  "Silva", "Kowalski", "Novak",  "Tanaka",  "Brown",  "Martin",
                                  "Lopez", "Virtanen", "Hansen", "Nielsen", "Moreau", "Costa"};
    static const char* kCity[] = {"Oslo", "Lyon", "Porto",  "Austin", "Leeds", "Turku",
                                  "Graz", "Cork", "Bergen", "Dijon",  "Perth", "Kyoto"};
    static const char* kStreet[] = {"Mill Lane", "Station Road", "Rue de la Paix", "Main St",
                                    "Kirkegata", "Hauptstrasse", "Via Roma",       "Oak Avenue"};
    static const char* kNat[] = {"US", "GB", "FR", "DE", "NO", "DK", "FI", "ES", "BR", "AU"};
    const std::string first = pick(kFirst);
    const std::string last = pick(kLast);
    const std::string uuid = hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12);
    const bool female = rng_() % 2;
    std::string v;
    v.reserve(1200);
    v += R"({"gender":")" + std::string(female ? "female" : "male") + R"(","name":{"title":")" +
         (female ? "Ms" : "Mr") + R"(","first":")" + first + R"(","last":")" + last +
         R"("},"location":{"street":{"number":)" + num(1, 9999) + R"(,"name":")" + pick(kStreet) + R"("},"city":")" +
         pick(kCity) + R"(","state":")" + pick(kCity) + R"(","country":")" + pick(kNat) + R"(","postcode":")" +
         num(10000, 99999) + R"(","coordinates":{"latitude":")" + num(-89, 89) + "." + num(1000, 9999) +
         R"(","longitude":")" + num(-179, 179) + "." + num(1000, 9999) + R"("},"timezone":{"offset":"+)" + num(0, 11) +
         R"(:00","description":"Local time"}},)" + R"("email":")" + lower(first) + "." + lower(last) + "@example.com" +
         R"(","login":{"uuid":")" + uuid + R"(","username":")" + lower(first) + num(100, 999) + R"(","password":")" +
         alnum(8) + R"(","salt":")" + alnum(8) + R"(","md5":")" + hex(32) + R"(","sha1":")" + hex(40) +
         R"(","sha256":")" + hex(64) + R"("},"dob":{"date":")" + num(1950, 2004) + "-0" + num(1, 9) + "-1" + num(0, 9) +
         "T0" + num(0, 9) + ":" + num(10, 59) + ":" + num(10, 59) + R"(.)" + num(100, 999) + R"(Z","age":)" +
         num(20, 74) + R"(},"registered":{"date":")" + num(2003, 2022) + "-1" + num(0, 2) + "-2" + num(0, 8) + "T1" +
         num(0, 9) + ":" + num(10, 59) + ":" + num(10, 59) + R"(.)" + num(100, 999) + R"(Z","age":)" + num(1, 20) +
         R"(},"phone":"0)" + num(10, 99) + "-" + num(100, 999) + "-" + num(1000, 9999) + R"(","cell":"0)" +
         num(10, 99) + "-" + num(100, 999) + "-" + num(1000, 9999) + R"(","id":{"name":"SSN","value":")" +
         num(100, 999) + "-" + num(10, 99) + "-" + num(1000, 9999) +
         R"("},"picture":{"large":"https://randomuser.me/api/portraits/)" + (female ? "women/" : "men/") + num(0, 99) +
         R"(.jpg","medium":"https://randomuser.me/api/portraits/med/)" + (female ? "women/" : "men/") + num(0, 99) +
         R"(.jpg","thumbnail":"https://randomuser.me/api/portraits/thumb/)" + (female ? "women/" : "men/") +
         num(0, 99) + R"(.jpg"},"nat":")" + pick(kNat) + R"(","seq":)" + std::to_string(seq) + "}";
    return Record{uuid, std::move(v), {{"source", "randomuser"}}, 1700000000000 + seq};
  }

 private:
  template <size_t N>
  const char* pick(const char* (&list)[N]) {
    return list[rng_() % N];
  }
  std::string num(int lo, int hi) { return std::to_string(lo + static_cast<int>(rng_() % (hi - lo + 1))); }
  std::string hex(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "0123456789abcdef"[rng_() % 16];
    return s;
  }
  std::string alnum(int n) {
    static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string s;
    for (int i = 0; i < n; ++i) s += kChars[rng_() % (sizeof(kChars) - 1)];
    return s;
  }
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  std::mt19937_64 rng_;
};

struct RunResult {
  double append_rps = 0;
  double append_cpu_rps = 0;
  double read_rps = 0;
  double read_cpu_rps = 0;
  double ratio = 0;
};

RunResult run(const std::string& dir, const std::vector<Record>& pool, size_t total, size_t batch, SyncMode sync,
              Compression compression, EmbeddedLogOptions options) {
  options.sync = sync;
  options.compression = compression;
  auto opened = EmbeddedLog::open(dir, options);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    std::exit(1);
  }
  auto log = std::move(opened).value();
  EmbeddedProducer producer(*log);
  size_t raw_bytes = 0;
  const auto t0 = Clock::now();
  const double c0 = cpu_seconds();
  for (size_t done = 0; done < total; done += batch) {
    const size_t from = done % pool.size();
    const size_t n = std::min(batch, pool.size() - from);
    std::span<const Record> records(pool.data() + from, n);
    for (const auto& r : records) raw_bytes += r.key.size() + r.value.size();
    if (Status s = producer.send("users", records, nullptr); !s) {
      std::fprintf(stderr, "send: %s\n", s.message().c_str());
      std::exit(1);
    }
  }
  RunResult out;
  out.append_rps = static_cast<double>(total) / seconds_since(t0);
  out.append_cpu_rps = static_cast<double>(total) / (cpu_seconds() - c0);
  int64_t stored = 0;
  const auto info = log->describe("users");
  for (const auto& p : info->partitions) stored += p.bytes;
  out.ratio = static_cast<double>(raw_bytes) / static_cast<double>(stored);

  auto consumer = std::move(EmbeddedConsumer::open(*log, "users", "bench")).value();
  size_t read = 0;
  uint64_t checksum = 0;
  const auto t1 = Clock::now();
  const double c1 = cpu_seconds();
  while (read < total) {
    auto polled = consumer->poll(5000, std::chrono::milliseconds(0));
    if (!polled || polled->empty()) {
      std::fprintf(stderr, "poll stopped at %zu\n", read);
      std::exit(1);
    }
    for (const auto& r : polled->records) checksum += r.value.size() + r.key.size();
    read += polled->records.size();
  }
  out.read_rps = static_cast<double>(read) / seconds_since(t1);
  out.read_cpu_rps = static_cast<double>(read) / (cpu_seconds() - c1);
  if (checksum == 0) std::exit(1);
  return out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

int main_impl(int argc, char** argv) {
  const size_t total = argc > 1 ? std::stoul(argv[1]) : 200000;
  std::string base;
  const bool own_dir = argc <= 2 || std::string(argv[2]) == "-";
  if (!own_dir) {
    base = argv[2];
  } else {
    char pattern[] = "/tmp/kascade-bench-XXXXXX";
    base = mkdtemp(pattern);
  }
  constexpr size_t kBatch = 2000;
  EmbeddedLogOptions options;
  if (argc > 3) options.page_size = std::stoi(argv[3]);
  if (argc > 4) options.lz4_acceleration = std::stoi(argv[4]);
  UserFactory factory(42);
  std::vector<Record> pool;
  size_t pool_bytes = 0;
  for (int64_t i = 0; i < 20000; ++i) {
    pool.push_back(factory.make(i));
    pool_bytes += pool.back().value.size();
  }
  std::printf("embedded_log_bench: %zu records of ~%zu B JSON (20,000 distinct), sends of %zu\n", total,
              pool_bytes / pool.size(), kBatch);
  std::printf("machine: %s, %ld cores; page_size %d, lz4 acceleration %d\n", cpu_model().c_str(),
              sysconf(_SC_NPROCESSORS_ONLN), options.page_size, options.lz4_acceleration);

  // CPU cost of encoding alone (framing + LZ4 + CRC), one core.
  {
    std::vector<const Record*> ptrs;
    for (size_t i = 0; i < 500; ++i) ptrs.push_back(&pool[i]);
    const double c0 = cpu_seconds();
    size_t n = 0;
    for (int rep = 0; rep < 200; ++rep) {
      n += static_cast<size_t>(encode_batch(0, ptrs, Compression::lz4, options.lz4_acceleration).record_count);
    }
    std::printf("encode only (framing + lz4 + crc): %.0f records per CPU second\n",
                static_cast<double>(n) / (cpu_seconds() - c0));
  }

  struct Case {
    const char* name;
    SyncMode sync;
    Compression compression;
  };
  const Case cases[] = {{"sync=full   lz4 ", SyncMode::full, Compression::lz4},
                        {"sync=normal lz4 ", SyncMode::normal, Compression::lz4},
                        {"sync=full   none", SyncMode::full, Compression::none}};
  int i = 0;
  for (const Case& c : cases) {
    const std::string dir = base + "/run" + std::to_string(i++);
    const RunResult r = run(dir, pool, total, kBatch, c.sync, c.compression, options);
    std::printf("%s append %8.0f/s (%8.0f per CPU s)   read %8.0f/s (%8.0f per CPU s)   ratio %.2fx\n", c.name,
                r.append_rps, r.append_cpu_rps, r.read_rps, r.read_cpu_rps, r.ratio);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::printf("targets: append >= 400,000 records/s (sync=full), read >= 1,000,000 records/s\n");
  if (own_dir) {
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
  }
  return 0;
}

}  // namespace
}  // namespace kascade

int main(int argc, char** argv) { return kascade::main_impl(argc, argv); }
