// process/transforms/tests/ondemand_walk_test.cc: the runner's On-Demand walk judges every record exactly as the DOM
// path does.
//
// TransformRunner resolves pointers in one On-Demand pass and falls back to a
// DOM parse when that pass cannot vouch for a record. On-Demand does not
// validate what it skips: these records are broken only where no pointer of
// the flagship program looks, and must still be `parse` dead letters with the
// DOM's own message.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/dead_letter.h"
#include "process/transforms/flagship_config.h"
#include "process/transforms/spec_loader.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/users_reference/user_fixtures.h"

namespace kascade {
namespace {

using testing_users::with;

// What the DOM parse says of `json`: "" if it is valid JSON.
std::string dom_error(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const auto error = parser.parse(json).get(root);
  return error == simdjson::SUCCESS ? "" : std::string("invalid JSON: ") + simdjson::error_message(error);
}

class WalkTest : public ::testing::Test {
 protected:
  WalkTest() {
    auto program = flagship_program();
    EXPECT_TRUE(program.ok()) << program.error().message;
    program_ = *program;
    runner_ = std::make_unique<transforms::TransformRunner>(program_, 1 << 20);
    rows_ = std::make_unique<RowBatch>(&program_->schema);
  }

  std::optional<MappingFailure> map(const std::string& json) {
    ConsumedRecord record{.timestamp_ms = 1700000000000};
    record.value = json;
    return runner_->map(record, 1700000000500, *rows_);
  }
  std::string cell(std::string_view column) const {
    for (size_t c = 0; c < program_->schema.columns.size(); ++c) {
      if (program_->schema.columns[c].name == column) {
        const Value& v = rows_->get(rows_->rows() - 1, c);
        return v.kind == Value::Kind::text ? std::string(rows_->text(v)) : "<not text>";
      }
    }
    return "<no column>";
  }

  PipelineProgram program_;
  std::unique_ptr<transforms::TransformRunner> runner_;
  std::unique_ptr<RowBatch> rows_;
};

TEST(FlagshipConfig, EmbeddedTextIsTheFile) {
  std::ifstream in(KASCADE_SOURCE_DIR "/configs/flagship.yaml", std::ios::binary);
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(flagship_config_text(), file.str());
  EXPECT_EQ(kFlagshipConfigOrigin, "configs/flagship.yaml");
}

TEST(FlagshipConfig, DefaultProgramIsTheFlagship) {
  auto program = load_pipeline_program("");
  ASSERT_TRUE(program.ok()) << program.error().message;
  ASSERT_NE(*program, nullptr);
  EXPECT_EQ((*program)->schema.name, "users");
  EXPECT_EQ((*program)->schema.columns.size(), users_schema().columns.size());
}

TEST_F(WalkTest, GeneratorUsersNeverFallBack) {
  const RandomUserGenerator generator(GeneratorOptions{.seed = "walk-test"});
  for (uint64_t i = 0; i < 2000; ++i) {
    std::string json;
    generator.append_user_json(i, json);
    const auto failure = map(json);
    EXPECT_FALSE(failure.has_value()) << i << ": " << failure->message;
  }
  EXPECT_EQ(runner_->dom_fallbacks(), 0u);
  EXPECT_EQ(rows_->rows(), 2000u);
}

// Broken JSON where the program reads nothing: the DOM's parse dead letter, message and all.
TEST_F(WalkTest, InvalidJsonInSkippedValuesIsAParseDeadLetter) {
  const std::string password = R"("password": "PW-marzipan77")";
  const std::vector<std::string> broken = {
      with(password, R"("password": "bad \x escape")"),
      with(password, R"("password": "bad \u12 escape")"),
      with(password, R"("password": "lone \ud800 surrogate")"),
      with(password, "\"password\": \"tab\tinside\""),
      with(password, "\"password\": \"\xC3\x28 not UTF-8\""),
      with(password, R"("password": tru)"),
      with(password, R"("password": nul)"),
      with(password, R"("password": falsey)"),
      with(password, R"("password": 01)"),
      with(password, R"("password": 1.e5)"),
      with(password, R"("password": -)"),
      with(password, R"("password": 1e999)"),
      with(password, R"("password": 123456789012345678901234567890)"),
      with(password, R"("password": [1, 2,])"),
      with(password, R"("password": {"a" 1})"),
      with(password, R"("password": {"a": 1,})"),
      with(password, R"("password": [1 2])"),
      with(password, R"("password": [1}, "x": 2)"),
      with(password, std::string(R"("password": )") + std::string(2000, '[') + std::string(2000, ']')),
      with(R"("description": "Adelaide, Darwin")", R"("description": "Adelaide\q")"),
      with(R"("name": "Hollow Creek Rd")", R"("name": "Hollow Creek Rd", "x": [tru])"),
      with(password, R"("password": "PW" x)"),
      with(password, R"("password"x: "PW")"),
      with(password, R"("password" "PW")"),
      with(password, R"("password": "PW" "more")"),
      with(password, R"("password": truex)"),
      with(password, R"("password": true false)"),
      with(password, R"("password": +1)"),
      with(password, R"("password": .5)"),
      with(password, R"("password": 1e)"),
      with(password, R"("password": 1e+)"),
      with(password, R"("password": -01)"),
      with(password, R"("password": 2.5e-99999)"),
      with(password, R"("password": 12345678901234567890123)"),
      with(password, "\"password\": \"PW\x01\""),
      with(password, R"("password": ,)"),
      with(password, R"("password": })"),
      with(R"("nat": "US")", R"("nat": "US",)"),
      with(R"("nat": "US")", R"("nat")"),
      with(R"("nat": "US")", R"("nat": )"),
      std::string(testing_users::kApi14User) + " x",
      std::string(testing_users::kApi14User) + "}",
      std::string(testing_users::kApi14User) + " {}",
      std::string(testing_users::kApi14User).substr(0, testing_users::kApi14User.size() - 2),
  };
  for (const std::string& json : broken) {
    const std::string expected = dom_error(json);
    const auto failure = map(json);
    if (expected.empty()) {  // valid after all, for this simdjson: not a parse failure either
      EXPECT_TRUE(!failure || failure->error_class != std::string(dead_letter_class::parse)) << json;
      continue;
    }
    ASSERT_TRUE(failure.has_value()) << json;
    EXPECT_STREQ(failure->error_class, dead_letter_class::parse) << json;
    EXPECT_EQ(failure->message, expected) << json;
  }
}

// Valid but unusual JSON: the same row either way.
TEST_F(WalkTest, EscapesAreReadAsTheDomReadsThem) {
  // An escaped key that spells a pointer's token is found (by the DOM path).
  ASSERT_FALSE(map(with(R"("first": "Thea")", R"("fir\u0073t": "Thea")")).has_value());
  EXPECT_EQ(cell("first_name"), "Thea");
  // Escapes in values the program reads are unescaped.
  ASSERT_FALSE(map(with(R"("first": "Thea")", R"("first": "J\u00f6rg \"JJ\" \/ \\")")).has_value());
  EXPECT_EQ(cell("first_name"), "J\xC3\xB6rg \"JJ\" / \\");
  // A skipped string with escapes does not hide anything.
  ASSERT_FALSE(map(with(R"("password": "PW-marzipan77")", R"("password": "a\"b\\c\u00e9")")).has_value());
  EXPECT_EQ(cell("first_name"), "Thea");
  // With duplicate keys the first one wins.
  ASSERT_FALSE(map(with(R"("first": "Thea")", R"("first": "Thea", "first": "Other")")).has_value());
  EXPECT_EQ(cell("first_name"), "Thea");
  ASSERT_FALSE(map(with(R"("email": "thea.lindqvist@example.com")",
                        R"("email": "thea.lindqvist@example.com", "name": {"first": "Other", "last": "X"})"))
                   .has_value());
  EXPECT_EQ(cell("first_name"), "Thea");
  // Deep nesting the program never reads is fine (and checked).
  ASSERT_FALSE(map(with(R"("password": "PW-marzipan77")",
                        std::string(R"("password": )") + std::string(500, '[') + std::string(500, ']')))
                   .has_value());
}

// Records without a backslash are read from simdjson's stage-1 positions
// (PointerTrie::scan), the others On-Demand. The same record with one
// backslash added where the program does not look must give the same outcome
// and the same row, whatever its numbers and white space.
TEST_F(WalkTest, StageOneWalkAgreesWithTheOnDemandPath) {
  const std::string password = R"("password": "PW-marzipan77")";
  const std::vector<std::string> records = {
      std::string(testing_users::kApi14User),
      with(R"("age": 37)", R"("age": -0)"),
      with(R"("age": 37)", R"("age": 0)"),
      with(R"("age": 37)", R"("age": -37)"),
      with(R"("age": 37)", R"("age": 1e2)"),
      with(R"("age": 37)", R"("age": 37.0)"),
      with(R"("age": 37)", R"("age": 999999999999999999)"),
      with(R"("age": 37)", R"("age": 9223372036854775807)"),
      with(R"("age": 37)", R"("age": 18446744073709551615)"),
      with(R"("age": 37)", R"("age": 123456789012345678901234567890)"),
      with(R"("postcode": 59715,)", R"("postcode": 1E3,)"),
      with(R"("postcode": 59715,)", R"("postcode": -5,)"),
      with(R"("postcode": 59715,)", R"("postcode": 0.1e-2,)"),
      with(R"("latitude": "-12.5731")", R"("latitude": -0.0)"),
      with(R"("latitude": "-12.5731")", R"("latitude": 1e-400)"),
      with(R"("latitude": "-12.5731")", R"("latitude": 12.345678901234567890123)"),
      with(R"("latitude": "-12.5731")", R"("latitude": 1.7976931348623157e308)"),
      with(R"("number": 4417)", R"("number": 4417.5)"),
      with(R"("first": "Thea")", "\"first\" \t\r\n:\n \"Thea\" \n"),
      with(R"("first": "Thea")", R"("first": "")"),
      with(R"("first": "Thea")", R"("first": "ThÃ©a ð")"),
      with(R"("nat": "US")", R"("nat": "US", "extra": [1, -2.5e3, true, false, null, {}, [], "x"])"),
      with(R"("title": "Mrs")", R"("title": true)"),
      with(R"("title": "Mrs")", R"("title": null)"),
      with(R"("email": "thea.lindqvist@example.com")", R"("email": ["a", "b"])"),
  };
  const auto outcome = [&](const std::string& json) {
    const auto failure = map(json);
    if (failure) return std::string(failure->error_class) + ": " + failure->message;
    std::string cells;
    for (size_t c = 0; c < program_->schema.columns.size(); ++c) {
      const Value& v = rows_->get(rows_->rows() - 1, c);
      switch (v.kind) {
        case Value::Kind::null:
          cells += "null|";
          break;
        case Value::Kind::integer:
          cells += std::to_string(v.as.integer) + "|";
          break;
        case Value::Kind::real:
          cells += std::to_string(v.as.real) + "|";
          break;
        case Value::Kind::text:
          cells += std::string(rows_->text(v)) + "|";
          break;
      }
    }
    return cells;
  };
  for (const std::string& json : records) {
    const std::string escaped = with(password, R"("password": "PW-\/marzipan77")", json);
    EXPECT_EQ(outcome(json), outcome(escaped)) << json;
  }
}

// Keys are matched wherever they stand: another key order finds the same values.
TEST_F(WalkTest, KeyOrderDoesNotMatter) {
  const std::string usual(testing_users::kApi14User);
  std::string reordered = with(R"("gender": "female",)", "");
  reordered.insert(reordered.rfind('}'), R"(, "gender": "female")");
  const std::string* const records[] = {&usual, &reordered, &usual, &reordered};
  for (const std::string* json : records) {
    ASSERT_FALSE(map(*json).has_value()) << *json;
    EXPECT_EQ(cell("gender"), "female");
    EXPECT_EQ(cell("first_name"), "Thea");
    EXPECT_EQ(cell("city"), "Bozeman");
  }
  EXPECT_EQ(runner_->dom_fallbacks(), 0u);
}

// What the DOM path says of a record that is valid JSON but not a user object.
TEST_F(WalkTest, NonObjectRootsKeepTheirMessages) {
  for (const std::string json : {"[1, 2]", "\"text\"", "12", "null"}) {
    const auto failure = map(json);
    ASSERT_TRUE(failure.has_value()) << json;
    EXPECT_STREQ(failure->error_class, dead_letter_class::validation) << json;
    EXPECT_EQ(failure->message.rfind("(root): expected an object, got ", 0), 0u) << failure->message;
  }
  const auto empty = map("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_STREQ(empty->error_class, dead_letter_class::parse);
}

}  // namespace
}  // namespace kascade
