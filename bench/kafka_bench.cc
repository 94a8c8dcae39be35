// bench/kafka_bench.cc: produce or consume throughput through kascade's Kafka
// bus, for comparison with kcat on the same broker (bench/kafka_throughput.sh).
//
//   kafka_bench produce <brokers> <topic> <payload file>   one record per line
//   kafka_bench consume <brokers> <topic> <records>        fresh group, from the start
//   kafka_bench create  <brokers> <topic> <partitions>
//
// Prints one line: "<mode> <records> records <bytes> bytes <seconds> s <records/s> rec/s <MB/s> MB/s".
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bus/kafka/kafka_bus.h"

namespace {

using Clock = std::chrono::steady_clock;

void report(const char* mode, size_t records, size_t bytes, Clock::time_point started) {
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  fmt::print("{} {} records {} bytes {:.3f} s {:.0f} rec/s {:.1f} MB/s\n", mode, records, bytes, seconds,
             records / seconds, bytes / seconds / 1e6);
}

int produce(kascade::Bus& bus, const std::string& topic, const std::string& file) {
  std::ifstream in(file);
  std::vector<kascade::Record> records;
  size_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    bytes += line.size();
    records.push_back(kascade::Record{.value = std::move(line)});
  }
  auto producer = bus.open_producer();
  if (!producer) {
    fmt::print(stderr, "{}\n", producer.error().message);
    return 1;
  }
  // Sends of 2,000 records, as the ingest loop makes them by default.
  const auto started = Clock::now();
  for (size_t at = 0; at < records.size(); at += 2000) {
    const size_t count = std::min<size_t>(2000, records.size() - at);
    if (auto status = (*producer)->send(topic, std::span(records).subspan(at, count), nullptr); !status) {
      fmt::print(stderr, "{}\n", status.message());
      return 1;
    }
  }
  report("produce", records.size(), bytes, started);
  return 0;
}

int consume(kascade::Bus& bus, const std::string& topic, size_t wanted) {
  auto consumer = bus.open_consumer(topic, fmt::format("bench-{}", Clock::now().time_since_epoch().count()));
  if (!consumer || !(*consumer)->start({}).ok()) {
    fmt::print(stderr, "cannot start the consumer\n");
    return 1;
  }
  size_t records = 0, bytes = 0;
  Clock::time_point started;
  while (records < wanted) {
    auto batch = (*consumer)->poll(5000, std::chrono::milliseconds(1000));
    if (!batch) continue;
    // The clock starts at the first record: group join time is not throughput.
    if (records == 0 && !batch->records.empty()) started = Clock::now();
    for (const auto& record : batch->records) bytes += record.key.size() + record.value.size();
    records += batch->records.size();
  }
  report("consume", records, bytes, started);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    fmt::print(stderr,
               "usage: kafka_bench produce <brokers> <topic> <payload file>\n"
               "       kafka_bench consume <brokers> <topic> <records>\n"
               "       kafka_bench create <brokers> <topic> <partitions>\n");
    return 2;
  }
  const std::string mode = argv[1];
  kascade::KafkaOptions options;
  options.brokers = argv[2];
  auto bus = kascade::KafkaBus::open(options);
  if (!bus) {
    fmt::print(stderr, "{}\n", bus.error().message);
    return 1;
  }
  if (mode == "produce") return produce(**bus, argv[3], argv[4]);
  if (mode == "consume") return consume(**bus, argv[3], std::stoul(argv[4]));
  if (mode == "create") {
    kascade::Status created = (*bus)->create_topic(argv[3], std::stoi(argv[4]));
    if (!created) fmt::print(stderr, "{}\n", created.message());
    return created.ok() ? 0 : 1;
  }
  fmt::print(stderr, "unknown mode '{}'\n", mode);
  return 2;
}
