// cql/tests/frame_fuzz.cc: feeds mutated server frames to every response decoder for a
// bounded time; any crash, sanitizer report or hang fails the test. Deterministic
// (fixed seed), so a failure reproduces. Usage: cql_frame_fuzz [seconds].
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cql/messages.h"
#include "cql/tests/hex.h"
#include "testing/byte_mutations.h"

namespace kascade::cql {
namespace {

// Valid frames (header + body) of every kind the client decodes.
std::vector<std::string> seeds() {
  using testing::unhex;
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"84 00 00 01 08", "00 00 00 01"},
      {"84 00 00 01 08",
       "00 00 00 02 00 00 00 01 00 00 00 03 00 02 6b 73 00 01 74 00 01 61 00 09 00 01 62 00 21 00 "
       "0d 00 22 00 0e"
       " 00 01 63 00 06 00 00 00 01 00 00 00 04 00 00 00 2a 00 00 00 1a 00 00 00 01 00 00 00 01 61 "
       "00 00 00 0d 00"
       " 00 00 01 00 00 00 05 01 02 03 04 05 00 00 00 05 00 00 00 02 7b"},
      {"84 00 00 01 08",
       "00 00 00 04 00 02 ab cd 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 02 6b 73 00 01 74 00 "
       "02 69 64 00 0c"
       " 00 00 00 06 00 00 00 01 00 00 00 02 ca fe 00 02 6b 73 00 01 74 00 01 78 00 20 00 10"},
      {"84 00 00 01 08", "00 00 00 05 00 07 43 52 45 41 54 45 44 00 05 54 41 42 4c 45 00 02 6b 73 00 01 74"},
      {"84 08 00 01 08", "00 01 00 03 68 65 79 00 00 00 03 00 02 6b 73"},
      {"84 06 00 01 08", "00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00 01 00 01 6b 00 00 00 01 76 00 00 00 01"},
      {"84 00 00 01 00", "00 00 25 00 00 03 62 61 64 00 02 ab cd"},
      {"84 00 ff ff 0c",
       "00 0d 53 43 48 45 4d 41 5f 43 48 41 4e 47 45 00 07 43 52 45 41 54 45 44 00 08 46 55 4e 43 "
       "54 49 4f 4e"
       " 00 02 6b 73 00 01 66 00 01 00 03 69 6e 74"},
  };
  std::vector<std::string> out;
  for (const auto& [head, body] : bodies) {
    std::string b = unhex(body);
    std::string frame = unhex(head);
    for (int i = 3; i >= 0; --i) frame.push_back(static_cast<char>(b.size() >> (8 * i)));
    out.push_back(frame + b);
  }
  return out;
}

// Decodes a frame the way the connection and session do; true if a decoder accepted it.
bool decode(const std::string& frame) {
  if (frame.size() < kHeaderBytes) return false;
  FrameHeader h;
  if (!decode_header(reinterpret_cast<const uint8_t*>(frame.data()), h)) return false;
  std::string_view body(frame.data() + kHeaderBytes, frame.size() - kHeaderBytes);
  if (body.size() > h.length) body = body.substr(0, h.length);
  auto env = parse_envelope(h, body);
  if (!env) return false;
  bool accepted = false;
  if (auto e = parse_error(env->payload)) accepted = !e->message.empty();
  if (auto ev = parse_event(env->payload)) accepted |= !ev->type.empty();
  if (auto r = parse_result(env->payload)) {
    accepted = true;
    for (const auto& row : r->rows.rows) {
      for (size_t c = 0; c < row.size(); ++c) {
        std::string text;
        render_value(r->rows.metadata.columns[c].type, row[c], true, text);
        if (text.empty() && !row[c].is_null()) std::abort();  // a decoded value always renders
      }
    }
  }
  return accepted;
}

}  // namespace
}  // namespace kascade::cql

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 20.0;
  const auto corpus = kascade::cql::seeds();
  std::mt19937_64 rng(20240601);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t runs = 0, decoded = 0;
  for (const auto& seed : corpus) decoded += kascade::cql::decode(seed);
  if (decoded != corpus.size()) {
    std::fprintf(stderr, "cql_frame_fuzz: only %llu of %zu seed frames decode\n",
                 static_cast<unsigned long long>(decoded), corpus.size());
    return 1;
  }
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 1000; ++i, ++runs) {
      std::string frame = corpus[rng() % corpus.size()];
      kascade::testing::mutate_bytes(frame, rng);
      decoded += kascade::cql::decode(frame);
    }
  }
  std::printf("cql_frame_fuzz: %llu mutated frames in %.0f s, %llu decoded, no crash\n",
              static_cast<unsigned long long>(runs), seconds, static_cast<unsigned long long>(decoded));
  return 0;
}
