// process/tests/users_mapping_ondemand_test.cc: OnDemandUsersMapper against UsersMapper, input for input, cell for cell.
#include "process/users_mapping_ondemand.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/dead_letter.h"
#include "process/tests/user_fixtures.h"
#include "process/users_mapping.h"
#include "sources/generator/randomuser_generator.h"

namespace kascade {
namespace {

using testing_users::kApi14User;
using testing_users::with;

// Maps each input with both mappers and counts the inputs on which they differ.
class Differential {
 public:
  Differential() : dom_rows_(&users_schema()), od_rows_(&users_schema()) {}

  void check(std::string_view json, std::vector<HeaderView> headers = {},
             int64_t timestamp_ms = 1700000000000) {
    ++inputs_;
    if (dom_rows_.rows() >= 4096) {
      dom_rows_.clear();
      od_rows_.clear();
    }
    ConsumedRecord record;
    record.value = json;
    record.headers = headers;
    record.timestamp_ms = timestamp_ms;
    const size_t dom_before = dom_rows_.rows(), od_before = od_rows_.rows();
    const auto a = dom_.map(record, 1700000000500, dom_rows_);
    const auto b = od_.map(record, 1700000000500, od_rows_);
    const std::string why = difference(a, b, dom_before, od_before);
    if (why.empty()) {
      if (a) ++failures_;
      return;
    }
    if (++disagreements_ <= 10) {
      ADD_FAILURE() << why << "\n  input (" << json.size() << " bytes): " << printable(json);
    }
  }

  size_t inputs() const { return inputs_; }
  size_t failures() const { return failures_; }
  size_t disagreements() const { return disagreements_; }

 private:
  static std::string printable(std::string_view json) {
    std::string out;
    for (const char c : json.substr(0, 1500)) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u < 0x7F) {
        out.push_back(c);
      } else {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "\\x%02X", u);
        out += hex;
      }
    }
    return out;
  }

  std::string difference(const std::optional<MappingFailure>& a,
                         const std::optional<MappingFailure>& b, size_t dom_before,
                         size_t od_before) const {
    if (a.has_value() != b.has_value()) {
      return std::string("DOM ") + (a ? a->message : "ok") + " vs On-Demand " +
             (b ? b->message : "ok");
    }
    if (a) {
      if (std::strcmp(a->error_class, b->error_class) != 0 ||
          (std::string_view(a->error_class) != dead_letter_class::parse &&
           a->message != b->message)) {
        return std::string("DOM [") + a->error_class + "] " + a->message + " vs On-Demand [" +
               b->error_class + "] " + b->message;
      }
      if (dom_rows_.rows() != dom_before || od_rows_.rows() != od_before) {
        return "a failed record changed a batch";
      }
      return {};
    }
    if (dom_rows_.rows() != dom_before + 1 || od_rows_.rows() != od_before + 1) {
      return "a mapped record did not add exactly one row";
    }
    for (size_t c = 0; c < dom_rows_.columns(); ++c) {
      const Value& x = dom_rows_.get(dom_before, c);
      const Value& y = od_rows_.get(od_before, c);
      const std::string column = users_schema().columns[c].name;
      if (x.kind != y.kind) return "column " + column + ": kinds differ";
      if (x.kind == Value::Kind::text && dom_rows_.text(x) != od_rows_.text(y)) {
        return "column " + column + ": '" + std::string(dom_rows_.text(x)) + "' vs '" +
               std::string(od_rows_.text(y)) + "'";
      }
      if ((x.kind == Value::Kind::integer || x.kind == Value::Kind::real) &&
          std::memcmp(&x.as, &y.as, sizeof(x.as)) != 0) {
        return "column " + column + ": numbers differ";
      }
    }
    return {};
  }

  UsersMapper dom_;
  OnDemandUsersMapper od_;
  RowBatch dom_rows_, od_rows_;
  size_t inputs_ = 0, failures_ = 0, disagreements_ = 0;
};

void report(const char* what, const Differential& d) {
  std::printf("[differential] %-28s inputs %8zu  failures %8zu  disagreements %zu\n", what,
              d.inputs(), d.failures(), d.disagreements());
}

// The generator's users the way the processor sees them, with their headers.
void check_generated(Differential& d, double malformed_ratio, uint64_t count) {
  const RandomUserGenerator generator(
      GeneratorOptions{.seed = "kascade", .malformed_ratio = malformed_ratio});
  for (uint64_t i = 0; i < count; ++i) {
    const Record record = generator.record(i, 1712345678000 + static_cast<int64_t>(i));
    std::vector<HeaderView> headers;
    for (const Header& h : record.headers) headers.push_back({h.name, h.value});
    d.check(record.value, headers, record.timestamp_ms);
  }
}

TEST(OnDemandUsersMapping, First100000GeneratorUsersAgree) {
  for (const double ratio : {0.0, 0.05}) {
    Differential d;
    check_generated(d, ratio, 100000);
    report(ratio == 0 ? "generator, malformed 0" : "generator, malformed 0.05", d);
    EXPECT_EQ(d.disagreements(), 0u);
    if (ratio == 0) EXPECT_EQ(d.failures(), 0u);
    if (ratio > 0) EXPECT_GT(d.failures(), 1000u);
  }
}

}  // namespace

// Every input of the users_mapping tests (users_mapping_ondemand_fixtures.cc).
std::vector<std::string> users_mapping_fixture_inputs();
// Mutated, truncated, duplicated and deeply nested documents (users_mapping_ondemand_mutations.cc).
void for_each_mutated_input(uint64_t seed, size_t count,
                            const std::vector<std::string>& bases,
                            const std::function<void(std::string_view)>& visit);

namespace {

TEST(OnDemandUsersMapping, EveryFixtureAgrees) {
  Differential d;
  for (const std::string& json : users_mapping_fixture_inputs()) {
    d.check(json);
    d.check(json, {{"source", "randomuser"}, {"fetched_at", "1712345678901"}});
    d.check(json, {{"fetched_at", "17123x"}});
  }
  report("fixtures (x3 headers)", d);
  EXPECT_EQ(d.disagreements(), 0u);
  EXPECT_GT(d.inputs(), 150u);
}

TEST(OnDemandUsersMapping, MutatedDocumentsAgree) {
  const RandomUserGenerator generator(GeneratorOptions{.seed = "mutations"});
  std::vector<std::string> bases;
  for (uint64_t i = 0; i < 500; ++i) bases.push_back(generator.user_json(i));
  for (const std::string& json : users_mapping_fixture_inputs()) bases.push_back(json);
  Differential d;
  for_each_mutated_input(20240601, 240000, bases, [&d](std::string_view json) { d.check(json); });
  report("mutated", d);
  EXPECT_EQ(d.disagreements(), 0u);
  EXPECT_GE(d.inputs(), 240000u);
}

}  // namespace
}  // namespace kascade
