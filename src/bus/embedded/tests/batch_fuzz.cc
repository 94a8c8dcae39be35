// bus/embedded/tests/batch_fuzz.cc: feeds mutated stored batches to decode_batch for a bounded
// time; any crash, sanitizer report or hang fails the test, and a batch that does not check must
// be Errc::corrupt. Deterministic (fixed seed), so a failure reproduces. Seeds are the encoded
// batches of batch_corpus/ (each codec). Usage: bus_batch_fuzz CORPUS_DIR [seconds];
// bus_batch_fuzz --write-corpus DIR writes the corpus again.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bus/embedded/batch_codec.h"
#include "bus/embedded/crc32c.h"
#include "testing/byte_mutations.h"

namespace kascade {
namespace {

// A corpus file: one text line "partition base_offset record_count max_timestamp_ms codec",
// then the stored payload bytes.
struct Seed {
  BatchHeader header;
  std::string payload;
};

std::string serialize(const Seed& s) {
  std::ostringstream out;
  out << s.header.partition << ' ' << s.header.base_offset << ' ' << s.header.record_count << ' '
      << s.header.max_timestamp_ms << ' ' << static_cast<int32_t>(s.header.codec) << '\n';
  return out.str() + s.payload;
}

bool parse(const std::string& bytes, Seed& s) {
  const size_t eol = bytes.find('\n');
  if (eol == std::string::npos) return false;
  std::istringstream in(bytes.substr(0, eol));
  int32_t codec = 0;
  if (!(in >> s.header.partition >> s.header.base_offset >> s.header.record_count >> s.header.max_timestamp_ms >>
        codec)) {
    return false;
  }
  s.header.codec = static_cast<BatchCodec>(codec);
  s.header.last_offset = s.header.base_offset + s.header.record_count - 1;
  s.payload = bytes.substr(eol + 1);
  return true;
}

std::vector<Seed> make_corpus() {
  std::vector<std::vector<Record>> sets;
  sets.push_back({{"k", "v", {}, 1700000000000}});
  sets.push_back({{"", "{\"keyless\":true}", {}, 5}});
  {
    std::vector<Record> many;
    for (int i = 0; i < 40; ++i) {
      many.push_back({"user-" + std::to_string(i),
                      "{\"id\":" + std::to_string(i) + ",\"name\":\"" + std::string(20 + i, 'a' + i % 26) + "\"}",
                      {},
                      1700000000000 + (i % 7) * 1000 - 3000});
    }
    sets.push_back(std::move(many));
  }
  sets.push_back({{"h", "with headers", {{"trace", "abc"}, {"", ""}}, 9}, {"h2", "", {{"x", "y"}}, -4}});
  sets.push_back({{"big", std::string(5000, 'z') + "tail", {}, 0}});
  std::vector<Seed> out;
  int64_t base = 0;
  for (const auto& records : sets) {
    std::vector<const Record*> ptrs;
    for (const auto& r : records) ptrs.push_back(&r);
    for (Compression c : {Compression::none, Compression::lz4}) {
      EncodedBatch b = encode_batch(3, ptrs, c, 1);
      Seed s;
      s.header = {3, base, base + b.record_count - 1, b.record_count, b.max_timestamp_ms, b.codec};
      s.payload = b.payload;
      out.push_back(std::move(s));
      base += 1000;
    }
  }
  return out;
}

void mutate_header(BatchHeader& h, std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0:
      h.record_count += static_cast<int32_t>(rng() % 5) - 2;
      break;
    case 1:
      h.last_offset += static_cast<int64_t>(rng() % 5) - 2;
      break;
    case 2:
      h.codec = static_cast<BatchCodec>(rng() % 4);
      break;
    case 3:
      h.record_count = static_cast<int32_t>(rng());
      h.last_offset = h.base_offset + h.record_count - 1;
      break;
    default:
      h.base_offset = static_cast<int64_t>(rng() >> 2);
      h.last_offset = h.base_offset + h.record_count - 1;
      break;
  }
}

// Decodes like a read does; true if accepted. Aborts on anything but success or Errc::corrupt.
bool decode(const BatchHeader& h, uint32_t crc, const std::string& payload, std::mt19937_64& rng) {
  PolledBatch out;
  size_t taken = 0;
  DecodeBudget budget;
  if (rng() % 4 == 0) budget = {h.base_offset + static_cast<int64_t>(rng() % 8), 1 + rng() % 10, rng() % 200};
  const Status s = decode_batch(h, crc, payload, budget, out, &taken);
  if (!s) {
    if (s.error().code != Errc::corrupt || !out.records.empty() || taken != 0) std::abort();
    return false;
  }
  uint64_t sum = 0;  // touch every byte a record points at
  for (const auto& r : out.records) {
    if (r.offset < h.base_offset || r.offset > h.last_offset || r.partition != h.partition) std::abort();
    for (char c : r.key) sum += static_cast<unsigned char>(c);
    for (char c : r.value) sum += static_cast<unsigned char>(c);
    for (const auto& header : r.headers) sum += header.name.size() + header.value.size();
  }
  return sum != 1;  // keeps the loop from being optimised away
}

}  // namespace
}  // namespace kascade

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace kascade;
  if (argc == 3 && std::string(argv[1]) == "--write-corpus") {
    fs::create_directories(argv[2]);
    int n = 0;
    for (const Seed& s : make_corpus()) {
      const char* codec = s.header.codec == BatchCodec::lz4 ? "lz4" : "none";
      std::ofstream(fs::path(argv[2]) / ("batch-" + std::to_string(n++) + "-" + codec + ".bin"), std::ios::binary)
          << serialize(s);
    }
    return 0;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: bus_batch_fuzz CORPUS_DIR [seconds] | --write-corpus DIR\n");
    return 2;
  }
  const double seconds = argc > 2 ? std::atof(argv[2]) : 20.0;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(argv[1])) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<Seed> corpus;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    Seed s;
    if (!parse(std::string(std::istreambuf_iterator<char>(in), {}), s)) {
      std::fprintf(stderr, "bus_batch_fuzz: %s is not a corpus file\n", file.c_str());
      return 1;
    }
    corpus.push_back(std::move(s));
  }
  size_t codecs[2] = {0, 0};
  std::mt19937_64 rng(20261207);
  for (const Seed& s : corpus) {
    const uint32_t crc = batch_crc(crc32c(s.payload), s.header);
    if (!decode(s.header, crc, s.payload, rng)) {
      std::fprintf(stderr, "bus_batch_fuzz: a seed batch does not decode\n");
      return 1;
    }
    ++codecs[s.header.codec == BatchCodec::lz4 ? 1 : 0];
  }
  if (codecs[0] == 0 || codecs[1] == 0) {
    std::fprintf(stderr, "bus_batch_fuzz: the corpus needs batches of each codec\n");
    return 1;
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t runs = 0, decoded = 0;
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 1000; ++i, ++runs) {
      const Seed& seed = corpus[rng() % corpus.size()];
      BatchHeader h = seed.header;
      std::string payload = seed.payload;
      const auto kind = rng() % 4;
      if (kind != 3) testing::mutate_bytes(payload, rng);
      if (kind >= 2) mutate_header(h, rng);
      // Half the time the CRC is made to match, so the decoder itself sees the damage.
      const uint32_t crc = rng() % 2 ? batch_crc(crc32c(payload), h) : batch_crc(crc32c(seed.payload), seed.header);
      decoded += decode(h, crc, payload, rng);
    }
  }
  std::printf("bus_batch_fuzz: %llu mutated batches in %.0f s, %llu decoded, no crash\n",
              static_cast<unsigned long long>(runs), seconds, static_cast<unsigned long long>(decoded));
  return 0;
}
