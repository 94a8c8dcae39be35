// serve/tests/push_body_fuzz.cc: feeds mutated push bodies (JSON arrays and NDJSON) to the push body parser
// for a bounded time. Any crash, sanitizer report or hang fails, and so does a verdict that disagrees with
// simdjson's DOM parser on the same text, or a record that does not parse again alone with the same key.
// Deterministic (fixed seed), so a failure reproduces. Usage: serve_push_body_fuzz CORPUS_DIR [seconds].
#include <simdjson.h>

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

#include "serve/push_body.h"

namespace kascade {
namespace {

struct Seed {
  std::string body;
  BodyFormat format;
};

std::vector<Seed> read_corpus(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());  // the order directory listing gives is not fixed
  std::vector<Seed> seeds;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    seeds.push_back({text.str(), file.extension() == ".ndjson" ? BodyFormat::ndjson : BodyFormat::json_array});
  }
  return seeds;
}

// Pieces of JSON (and of broken UTF-8) worth inserting.
const std::vector<std::string> kTokens = {"{",
                                          "}",
                                          "[",
                                          "]",
                                          ",",
                                          ":",
                                          "\"",
                                          "\\",
                                          "\\u",
                                          "\\ud83d",
                                          "\\ude00",
                                          "\\u00e9",
                                          "0",
                                          "-",
                                          "1e5",
                                          ".5",
                                          "true",
                                          "null",
                                          " ",
                                          "\n",
                                          "\r\n",
                                          "\t",
                                          "\"id\"",
                                          "\xc3",
                                          "\xc3\xa9",
                                          "\xed\xa0\x80",
                                          "\xf0\x9f\x98\x80",
                                          "\xff",
                                          "{}",
                                          "[{}]",
                                          "\x01",
                                          "\"login\":{\"uuid\":"};

void mutate(std::string& body, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const size_t at = body.empty() ? 0 : rng() % (body.size() + 1);
    switch (rng() % 7) {
      case 0:
        if (at < body.size()) body[at] = static_cast<char>(body[at] ^ (1 << (rng() % 8)));
        break;
      case 1:
        if (at < body.size()) body[at] = static_cast<char>(rng());
        break;
      case 2:
        body.resize(at);
        break;
      case 3:
      case 4:
        body.insert(at, kTokens[rng() % kTokens.size()]);
        break;
      case 5:
        if (at < body.size()) body.erase(at, 1 + rng() % 8);
        break;
      default: {  // a slice of itself, elsewhere
        if (body.empty()) break;
        const size_t from = rng() % body.size();
        body.insert(at, body.substr(from, 1 + rng() % 32));
        break;
      }
    }
  }
}

[[noreturn]] void fail(const char* what, const std::string& body) {
  std::fprintf(stderr, "serve_push_body_fuzz: %s on this body (%zu bytes):\n%s\n", what, body.size(), body.c_str());
  std::abort();
}

// The key simdjson's DOM finds where push ingest reads it: strings and 64-bit integers only.
std::string dom_key(simdjson::dom::element object) {
  simdjson::dom::element key;
  if (object.at_pointer("/login/uuid").get(key) != simdjson::SUCCESS) return {};
  if (key.is_string()) return std::string(key.get_string().value_unsafe());
  if (key.is_int64()) return std::to_string(key.get_int64().value_unsafe());
  if (key.is_uint64()) return std::to_string(key.get_uint64().value_unsafe());
  return {};
}

// What simdjson says of one JSON text: accepted (objects listed), or why not.
struct DomVerdict {
  simdjson::error_code error = simdjson::SUCCESS;
  std::vector<std::string> keys;  // one per object; empty with all_objects false if something is not one
  bool all_objects = true;
};

DomVerdict dom_records(simdjson::dom::parser& parser, const std::string& text, bool array) {
  DomVerdict verdict;
  simdjson::dom::element root;
  verdict.error = parser.parse(text).get(root);
  if (verdict.error) return verdict;
  if (!array) {
    verdict.all_objects = root.is_object();
    if (verdict.all_objects) verdict.keys.push_back(dom_key(root));
    return verdict;
  }
  simdjson::dom::array elements;
  if (root.get_array().get(elements) != simdjson::SUCCESS) {
    verdict.all_objects = false;
    return verdict;
  }
  for (simdjson::dom::element element : elements) {
    if (!element.is_object()) verdict.all_objects = false;
    verdict.keys.push_back(element.is_object() ? dom_key(element) : std::string());
  }
  return verdict;
}

// Errors of simdjson that push ingest does not share: it checks the grammar, not the range of numbers.
bool number_range_error(simdjson::error_code error) { return error == simdjson::NUMBER_ERROR; }

// Parses `body`, checks what came out, and compares with simdjson; true if it was accepted.
bool check(const std::string& body, BodyFormat format, const KeyPointer& key, simdjson::dom::parser& dom) {
  ParsedBody parsed;
  const auto error = parse_push_body(body, format, key, {.max_records = 1000, .max_depth = 64}, parsed);
  if (error && error->offset > body.size()) fail("an error offset beyond the body", body);

  // The same verdict as simdjson: for NDJSON, line by line.
  std::vector<std::string> texts;
  if (format == BodyFormat::json_array) {
    texts.push_back(body);
  } else {
    std::string_view rest = body;
    while (!rest.empty()) {
      const size_t newline = rest.find('\n');
      const std::string_view line = rest.substr(0, newline);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos) texts.emplace_back(line);
      rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    }
  }
  std::vector<std::string> dom_keys;
  bool dom_accepts = true, range_error = false;
  for (const auto& text : texts) {
    const DomVerdict verdict = dom_records(dom, text, format == BodyFormat::json_array);
    range_error |= number_range_error(verdict.error);
    if (verdict.error || !verdict.all_objects) {
      dom_accepts = false;
      break;
    }
    dom_keys.insert(dom_keys.end(), verdict.keys.begin(), verdict.keys.end());
  }
  if (dom_accepts && dom_keys.size() > 1000) return !error;  // beyond the record limit used here
  const bool depth_error = error && error->reason.find("nested deeper") != std::string::npos;
  if (dom_accepts && error && !depth_error) fail(("refused what simdjson accepts: " + error->reason).c_str(), body);
  if (!dom_accepts && !error && !range_error) fail("accepted what simdjson refuses", body);
  if (error) return false;

  // Every record is a well-formed object of the body, in order, with simdjson's key, and parses alone.
  size_t previous_end = 0;
  for (size_t i = 0; i < parsed.elements.size(); ++i) {
    const PushElement& e = parsed.elements[i];
    if (e.begin < previous_end || e.begin + e.size > body.size()) fail("a record outside the body", body);
    previous_end = e.begin + e.size;
    const std::string_view value = parsed.value(body, i);
    if (value.front() != '{' || value.back() != '}') fail("a record that is not an object's bytes", body);
    if (!range_error && parsed.key(body, i) != dom_keys.at(i)) fail("a key unlike simdjson's", body);
    ParsedBody alone;
    const std::string wrapped = "[" + std::string(value) + "]";
    if (parse_push_body(wrapped, BodyFormat::json_array, key, {}, alone) || alone.elements.size() != 1 ||
        alone.key(wrapped, 0) != parsed.key(body, i)) {
      fail("a record that does not parse again alone", body);
    }
  }
  return true;
}

}  // namespace
}  // namespace kascade

int main(int argc, char** argv) {
  using namespace kascade;
  if (argc < 2) {
    std::fprintf(stderr, "usage: serve_push_body_fuzz CORPUS_DIR [seconds]\n");
    return 2;
  }
  const double seconds = argc > 2 ? std::atof(argv[2]) : 20.0;
  const auto corpus = read_corpus(argv[1]);
  const KeyPointer key = *parse_key_pointer("/login/uuid");
  simdjson::dom::parser dom;
  uint64_t accepted = 0, runs = 0;
  for (const auto& seed : corpus) accepted += check(seed.body, seed.format, key, dom);
  if (corpus.empty() || accepted != corpus.size()) {
    std::fprintf(stderr, "serve_push_body_fuzz: only %llu of %zu seed bodies are accepted\n",
                 static_cast<unsigned long long>(accepted), corpus.size());
    return 1;
  }
  std::mt19937_64 rng(20240917);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 1000; ++i, ++runs) {
      const Seed& seed = corpus[rng() % corpus.size()];
      std::string body = seed.body;
      mutate(body, rng);
      accepted += check(body, seed.format, key, dom);
    }
  }
  std::printf("serve_push_body_fuzz: %llu mutated bodies in %.0f s, %llu accepted, no crash or disagreement\n",
              static_cast<unsigned long long>(runs), seconds, static_cast<unsigned long long>(accepted));
  return 0;
}
