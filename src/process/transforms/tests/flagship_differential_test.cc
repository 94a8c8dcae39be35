// process/transforms/tests/flagship_differential_test.cc: configs/flagship.yaml, compiled, gives exactly UsersMapper's
// results.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/dead_letter.h"
#include "process/transforms/spec_loader.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/users_reference/user_fixtures.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade {
namespace {

constexpr int64_t kProcessedAtMs = 1712345678999;

PipelineProgram flagship_program() {
  auto program = load_pipeline_spec_file(KASCADE_SOURCE_DIR "/configs/flagship.yaml");
  EXPECT_TRUE(program.ok()) << program.error().message;
  return program.ok() ? *program : nullptr;
}

// Both mappers side by side over the same records, each into its own batch.
class Differential {
 public:
  Differential()
      : program_(flagship_program()),
        runner_(program_, 1 << 20),
        reference_rows_(&users_schema()),
        program_rows_(&program_->schema) {
    // The flagship table is the users table, column for column.
    EXPECT_EQ(program_->schema.name, users_schema().name);
    EXPECT_EQ(program_->schema.primary_key, users_schema().primary_key);
    EXPECT_EQ(program_->schema.columns.size(), users_schema().columns.size());
    for (size_t c = 0; c < users_schema().columns.size(); ++c) {
      EXPECT_EQ(program_->schema.columns[c].name, users_schema().columns[c].name);
      EXPECT_EQ(program_->schema.columns[c].type, users_schema().columns[c].type) << users_schema().columns[c].name;
    }
  }

  // Maps one record with both; returns the reference's failure class ("" if it mapped).
  std::string compare(const ConsumedRecord& record, const std::string& label) {
    const auto expected = reference_.map(record, kProcessedAtMs, reference_rows_);
    const auto got = runner_.map(record, kProcessedAtMs, program_rows_);
    EXPECT_EQ(expected.has_value(), got.has_value())
        << label << ": reference " << (expected ? expected->message : "mapped") << ", program "
        << (got ? got->message : "mapped");
    if (expected && got) {
      EXPECT_EQ(std::string(expected->error_class), got->error_class) << label << ": " << got->message;
      // The reference stops at the first failing field; the program names it first, then every other.
      EXPECT_EQ(expected->message, got->message.substr(0, got->message.find("; "))) << label;
    }
    if (!expected && !got) compare_last_rows(label);
    EXPECT_EQ(reference_rows_.rows(), program_rows_.rows()) << label;
    if (reference_rows_.rows() >= 1024) {
      reference_rows_.clear();
      program_rows_.clear();
    }
    return expected ? expected->error_class : "";
  }

  const RowBatch& rows() const { return program_rows_; }

 private:
  void compare_last_rows(const std::string& label) {
    const size_t r = reference_rows_.rows() - 1;
    for (size_t c = 0; c < reference_rows_.columns(); ++c) {
      const Value& a = reference_rows_.get(r, c);
      const Value& b = program_rows_.get(program_rows_.rows() - 1, c);
      const std::string& column = users_schema().columns[c].name;
      ASSERT_EQ(a.kind, b.kind) << label << " column " << column;
      switch (a.kind) {
        case Value::Kind::null:
          break;
        case Value::Kind::integer:
          EXPECT_EQ(a.as.integer, b.as.integer) << label << " column " << column;
          break;
        case Value::Kind::real:
          EXPECT_EQ(a.as.real, b.as.real) << label << " column " << column;
          break;
        case Value::Kind::text:
          EXPECT_EQ(reference_rows_.text(a), program_rows_.text(b)) << label << " column " << column;
          break;
      }
    }
  }

  PipelineProgram program_;
  UsersMapper reference_;
  transforms::TransformRunner runner_;
  RowBatch reference_rows_;
  RowBatch program_rows_;
};

struct Consumed {
  explicit Consumed(const Record& r) {
    for (const Header& h : r.headers) headers.push_back({h.name, h.value});
    view.key = r.key;
    view.value = r.value;
    view.timestamp_ms = r.timestamp_ms;
    view.headers = headers;
  }
  std::vector<HeaderView> headers;
  ConsumedRecord view;
};

TEST(FlagshipDifferential, GeneratorUsersGiveIdenticalRows) {
  Differential differential;
  const RandomUserGenerator generator(GeneratorOptions{.seed = "differential"});
  for (uint64_t i = 0; i < 30000; ++i) {
    const Record record = generator.record(i, 1712345678000 + static_cast<int64_t>(i));
    const Consumed consumed(record);
    EXPECT_EQ(differential.compare(consumed.view, "user " + std::to_string(i)), "") << i;
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(FlagshipDifferential, EveryMalformedKindGetsTheSameClassAndMessage) {
  Differential differential;
  const RandomUserGenerator generator(GeneratorOptions{.seed = "differential", .malformed_ratio = 0.5});
  std::map<std::string, int> classes;
  for (uint64_t i = 0; i < 6000; ++i) {
    const Record record = generator.record(i, 1712345678000);
    const Consumed consumed(record);
    ++classes[differential.compare(consumed.view, "record " + std::to_string(i))];
    if (::testing::Test::HasFailure()) return;
  }
  // Every kind occurred: parse (bad JSON, bad UTF-8), validation (wrong types, missing uuid), too_large.
  EXPECT_GT(classes[""], 1000);
  EXPECT_GT(classes[dead_letter_class::parse], 100);
  EXPECT_GT(classes[dead_letter_class::validation], 100);
  EXPECT_GT(classes[dead_letter_class::too_large], 50);
}

TEST(FlagshipDifferential, ApiVariantsOfTheFixturesMapAlike) {
  using testing_users::kApi14User;
  using testing_users::with;
  Differential differential;
  const std::vector<std::string> variants = {
      std::string(kApi14User),
      with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": "8929 valwood pkwy")"),
      with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": "rue de la paix")"),
      with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": {"number": "8929", "name": "x"})"),
      with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": null)"),
      with(R"("postcode": 59715,)", R"("postcode": "IZ67 5RD",)"),
      with(R"("postcode": 59715,)", R"("postcode": 59715.0,)"),
      with(R"("postcode": 59715,)", R"("postcode": null,)"),
      with(R"("latitude": "-12.5731")", R"("latitude": -69.8246)"),
      with(R"("latitude": "-12.5731")", R"("latitude": "-91")"),
      with(R"("dob": {"date": "1987-11-23T08:41:07.512Z")", R"("dob": {"date": "1987-11-23T08:41:07Z")"),
      with(R"("dob": {"date": "1987-11-23T08:41:07.512Z")", R"("dob": {"date": "1987-11-23 08:41:07")"),
      with(R"("dob": {"date": "1987-11-23T08:41:07.512Z")", R"("dob": {"date": "yesterday")"),
      with(R"("age": 37)", R"("age": null)"),
      with(R"("age": 37)", R"("age": "36")"),
      with(R"("title": "Mrs")", R"("title": 7)"),
      with(R"("email": "thea.lindqvist@example.com")", R"("email": null)"),
      with(R"("gender": "female")", R"("gender": "weiblich")"),
      "[1, 2]",
      "{\"login\": 5}",
      "not json",
  };
  for (size_t i = 0; i < variants.size(); ++i) {
    const ConsumedRecord record{.offset = static_cast<int64_t>(i), .timestamp_ms = 1700000000000, .value = variants[i]};
    differential.compare(record, "variant " + std::to_string(i) + ": " + variants[i].substr(0, 60));
  }
}

// Random byte edits of generator users: both succeed or both fail, with the
// same rows; failures are shape errors in both (the program calls a value it
// cannot convert `mapping`, UsersMapper calls every shape error `validation`).
TEST(FlagshipDifferential, MutatedUsersAgreeOnOutcome) {
  const RandomUserGenerator generator(GeneratorOptions{.seed = "mutation"});
  auto program = flagship_program();
  UsersMapper reference;
  transforms::TransformRunner runner(program, 1 << 20);
  RowBatch a(&users_schema()), b(&program->schema);
  std::mt19937_64 rng(7);
  size_t disagreements = 0, failures = 0;
  for (uint64_t i = 0; i < 20000; ++i) {
    std::string value = generator.record(i, 1700000000000).value;
    for (int e = 0; e < 2 && !value.empty(); ++e) {
      const size_t at = rng() % value.size();
      static constexpr std::string_view kBytes = "{}[]:,\" 0123456789-.tfnu\x80";
      value[at] = kBytes[rng() % kBytes.size()];
    }
    const ConsumedRecord record{.timestamp_ms = 1700000000000, .value = value};
    const auto x = reference.map(record, kProcessedAtMs, a);
    const auto y = runner.map(record, kProcessedAtMs, b);
    failures += x.has_value();
    if (x.has_value() != y.has_value()) {
      if (++disagreements <= 5) {
        ADD_FAILURE() << value << "\nreference: " << (x ? x->message : "mapped")
                      << "\nprogram: " << (y ? y->message : "mapped");
      }
    } else if (x && std::string(x->error_class) != y->error_class) {
      EXPECT_EQ(std::string(x->error_class), dead_letter_class::validation) << x->message << " / " << y->message;
      EXPECT_EQ(y->error_class, dead_letter_class::mapping) << x->message << " / " << y->message;
    }
    if (a.rows() > 512) {
      a.clear();
      b.clear();
    }
  }
  EXPECT_EQ(disagreements, 0u);
  EXPECT_GT(failures, 2000u);
}

}  // namespace
}  // namespace kascade
