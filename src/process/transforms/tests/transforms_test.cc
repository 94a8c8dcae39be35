// process/transforms/tests/transforms_test.cc: the map functions, validate rules, filter and dedupe, run on real
// records.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/dead_letter.h"
#include "process/transforms/spec_loader.h"

namespace kascade {
namespace {

// A pipeline of one text column `v` (plus key `k`) with `steps` before the map of `v`.
class OneColumn {
 public:
  OneColumn(const std::string& value, const std::string& steps = "", const std::string& type = "text") {
    const std::string spec = "table:\n  name: t\n  primary_key: k\n  columns:\n    k: text\n    v: " + type +
                             "\ntransforms:\n  - parse: json\n" + steps + "  - map:\n      k: '\"key\"'\n      v: '" +
                             value + "'\n";
    auto program = load_pipeline_spec_text(spec, "t.yaml");
    EXPECT_TRUE(program.ok()) << program.error().message;
    program_ = *program;
    runner_ = std::make_unique<transforms::TransformRunner>(program_, 1 << 20);
    rows_ = std::make_unique<RowBatch>(&program_->schema);
  }

  // Maps `json`; "text" of the cell, "<null>", "<dropped>", or "<class>: message".
  std::string run(const std::string& json, int64_t time_ms = 1000, std::vector<HeaderView> headers = {}) {
    headers_ = std::move(headers);
    const ConsumedRecord record{.timestamp_ms = time_ms, .key = "the-key", .value = json, .headers = headers_};
    const size_t before = rows_->rows();
    if (auto failure = runner_->map(record, 5000, *rows_)) {
      EXPECT_EQ(rows_->rows(), before);
      return "<" + std::string(failure->error_class) + ">: " + failure->message;
    }
    if (rows_->rows() == before) return "<dropped>";
    const Value& v = rows_->get(rows_->rows() - 1, 1);
    switch (v.kind) {
      case Value::Kind::null:
        return "<null>";
      case Value::Kind::integer:
        return std::to_string(v.as.integer);
      case Value::Kind::real:
        return std::to_string(v.as.real);
      case Value::Kind::text:
        return std::string(rows_->text(v));
    }
    return "?";
  }

 private:
  PipelineProgram program_;
  std::unique_ptr<transforms::TransformRunner> runner_;
  std::unique_ptr<RowBatch> rows_;
  std::vector<HeaderView> headers_;
};

TEST(Transforms, PointersEscapesAndArrays) {
  EXPECT_EQ(OneColumn("/a/b").run(R"({"a": {"b": "x"}})"), "x");
  EXPECT_EQ(OneColumn("/a~1b/c~0d").run(R"({"a/b": {"c~d": "y"}})"), "y");
  EXPECT_EQ(OneColumn("/list/1/n").run(R"({"list": [{"n": "zero"}, {"n": "one"}]})"), "one");
  EXPECT_EQ(OneColumn("/a/b").run(R"({"a": "not an object"})"), "<null>");  // lenient: absent
  EXPECT_EQ(OneColumn("/a/b").run(R"({"a": {"b": 5}})"), "<mapping>: /a/b: expected a string, got an integer");
  // With duplicate keys, the first wins.
  EXPECT_EQ(OneColumn("/a").run(R"({"a": "first", "a": "second"})"), "first");
}

TEST(Transforms, TextFunctions) {
  EXPECT_EQ(OneColumn("lower(/s)").run(R"({"s": "MiXeD Ä"})"), "mixed Ä");
  EXPECT_EQ(OneColumn("upper(/s)").run(R"({"s": "MiXeD"})"), "MIXED");
  EXPECT_EQ(OneColumn("trim(/s)").run(R"({"s": "  padded \t"})"), "padded");
  EXPECT_EQ(OneColumn("concat(/a, \"-\", /b)").run(R"({"a": "x", "b": 7})"), "x-7");
  EXPECT_EQ(OneColumn("concat(/a, /b)").run(R"({})"), "<null>");
  EXPECT_EQ(OneColumn("concat_ws(\", \", /a, /b, /c)").run(R"({"a": "x", "b": null, "c": "z"})"), "x, z");
  EXPECT_EQ(OneColumn("format(\"{} is {} years\", /n, /a)").run(R"({"n": "Thea", "a": 37})"), "Thea is 37 years");
  EXPECT_EQ(OneColumn("text(/n)").run(R"({"n": 59715.0})"), "59715");
  EXPECT_EQ(OneColumn("text(/n)").run(R"({"n": 1.5})"), "1.5");
  EXPECT_EQ(OneColumn("leading_int(/s)", "", "int").run(R"({"s": "8929 valwood pkwy"})"), "8929");
  EXPECT_EQ(OneColumn("after_leading_int(/s)").run(R"({"s": "8929 valwood pkwy"})"), "valwood pkwy");
  EXPECT_EQ(OneColumn("after_leading_int(/s)").run(R"({"s": "rue de la paix"})"), "rue de la paix");
}

TEST(Transforms, CastsAndColumnTypes) {
  EXPECT_EQ(OneColumn("int(/n)", "", "int").run(R"({"n": "-42"})"), "-42");
  EXPECT_EQ(OneColumn("int(/n)", "", "int").run(R"({"n": "4x"})"), "<mapping>: /n: not an integer: \"4x\"");
  EXPECT_EQ(OneColumn("/n", "", "int").run(R"({"n": 3000000000})"), "<mapping>: /n: integer out of the int32 range");
  EXPECT_EQ(OneColumn("/n", "", "bigint").run(R"({"n": 3000000000})"), "3000000000");
  EXPECT_EQ(OneColumn("double(/n)", "", "double").run(R"({"n": "-36.5"})"), "-36.500000");
  EXPECT_EQ(OneColumn("/t", "", "timestamp").run(R"({"t": "1970-01-01T00:00:01.500Z"})"), "1500");
  EXPECT_EQ(OneColumn("/t", "", "timestamp").run(R"({"t": "soon"})"),
            "<mapping>: /t: not an ISO-8601 timestamp: \"soon\"");
  EXPECT_EQ(OneColumn("/u", "", "uuid").run(R"({"u": "3F2B8C1E-7D4A-4E9B-A6C5-0D1E2F3A4B5C"})"),
            "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c");
  EXPECT_EQ(OneColumn("/u", "", "uuid").run(R"({"u": "nope"})"), "<mapping>: /u: not a UUID: \"nope\"");
  EXPECT_EQ(OneColumn("text(/n)").run(R"({"n": {"a": 1}})"),
            "<mapping>: /n: expected a string, a number or a boolean, got an object");
}

TEST(Transforms, CoalesceDefaultTryAndRecordValues) {
  EXPECT_EQ(OneColumn("coalesce(/a, /b, \"none\")").run(R"({"b": "second"})"), "second");
  EXPECT_EQ(OneColumn("default(/a, \"none\")").run(R"({})"), "none");
  EXPECT_EQ(OneColumn("coalesce(try(int(/a)), 7)", "", "int").run(R"({"a": "x"})"), "7");
  EXPECT_EQ(OneColumn("key()").run("{}"), "the-key");
  EXPECT_EQ(OneColumn("header(\"source\")").run("{}", 1, {{"source", "api"}}), "api");
  EXPECT_EQ(OneColumn("record_time()", "", "timestamp").run("{}", 1234), "1234");
  EXPECT_EQ(OneColumn("now()", "", "timestamp").run("{}"), "5000");
}

TEST(Transforms, ValidateRules) {
  const std::string steps =
      "  - validate:\n"
      "      required: [/id]\n"
      "      types: {/id: string, /age: [integer, null], /tags: array}\n"
      "      patterns: {/id: '^u[0-9]+$'}\n"
      "      enums: {/gender: [female, male]}\n"
      "      ranges: {/age: [0, 150]}\n";
  OneColumn c("/id", steps);
  EXPECT_EQ(c.run(R"({"id": "u1", "age": 30, "gender": "male"})"), "u1");
  EXPECT_EQ(c.run(R"({"age": 30})"), "<validation>: /id: missing");
  EXPECT_EQ(c.run(R"({"id": null})"), "<validation>: /id: expected a string, got null");
  EXPECT_EQ(c.run(R"({"id": "u1", "age": "30"})"), "<validation>: /age: expected an integer or null, got a string");
  EXPECT_EQ(c.run(R"({"id": "u1", "tags": {}})"), "<validation>: /tags: expected an array, got an object");
  EXPECT_EQ(c.run(R"({"id": "x1"})"), "<validation>: /id: does not match /^u[0-9]+$/: \"x1\"");
  EXPECT_EQ(c.run(R"({"id": "u1", "gender": "other"})"), "<validation>: /gender: not one of female, male: \"other\"");
  EXPECT_EQ(c.run(R"({"id": "u1", "age": 151})"), "<validation>: /age: out of range");
  EXPECT_EQ(c.run(R"([1])"), "<validation>: (root): expected an object, got an array");
  EXPECT_EQ(c.run(R"({"id": )"),
            "<parse>: invalid JSON: The JSON document has an improper structure: missing or "
            "superfluous commas, braces, missing keys, etc.");
}

TEST(Transforms, ValidateNamesEveryFailingFieldOnce) {
  const std::string steps =
      "  - validate:\n"
      "      required: [/id, /name]\n"
      "      types: {/id: string, /age: [integer, null]}\n"
      "      patterns: {/id: '^u[0-9]+$'}\n"
      "      enums: {/gender: [female, male]}\n"
      "      ranges: {/age: [0, 150]}\n";
  OneColumn c("/id", steps);
  EXPECT_EQ(c.run(R"({"id": "x1", "age": 151, "gender": "other"})"),
            "<validation>: /name: missing; /id: does not match /^u[0-9]+$/: \"x1\"; "
            "/gender: not one of female, male: \"other\"; /age: out of range");
  // A field of the wrong type is named once, not again by its range.
  EXPECT_EQ(c.run(R"({"id": 7, "name": "n", "age": "old"})"),
            "<validation>: /id: expected a string, got an integer; /age: expected an integer or null, got a string");
  EXPECT_EQ(c.run(R"({"id": "u1", "name": "n"})"), "u1");
}

TEST(Transforms, FilterDropsRecordsWhoseConditionIsNotTrue) {
  OneColumn c("/name", "  - filter: '/age >= 18 and (/country == \"NO\" or not /vip == false)'\n");
  EXPECT_EQ(c.run(R"({"name": "a", "age": 30, "country": "NO"})"), "a");
  EXPECT_EQ(c.run(R"({"name": "b", "age": 30, "country": "SE", "vip": true})"), "b");
  EXPECT_EQ(c.run(R"({"name": "c", "age": 30, "country": "SE", "vip": false})"), "<dropped>");
  EXPECT_EQ(c.run(R"({"name": "d", "age": 12, "country": "NO"})"), "<dropped>");
  EXPECT_EQ(c.run(R"({"name": "e", "country": "NO"})"), "<dropped>");  // null compares as false
}

TEST(Transforms, DedupeDropsARepeatedKeyWithinTheWindowOnly) {
  OneColumn c("/n", "  - dedupe: {key: /id, window_ms: 1000}\n");
  EXPECT_EQ(c.run(R"({"id": "a", "n": "1"})", 10000), "1");
  EXPECT_EQ(c.run(R"({"id": "a", "n": "2"})", 10500), "<dropped>");
  EXPECT_EQ(c.run(R"({"id": "b", "n": "3"})", 10600), "3");
  EXPECT_EQ(c.run(R"({"id": "a", "n": "4"})", 11000), "4");  // the window has passed
  EXPECT_EQ(c.run(R"({"n": "5"})", 11001), "5");             // no key: never a duplicate
  // A record that fails later is not remembered: its retry is not a duplicate.
  OneColumn failing("int(/n)", "  - dedupe: {key: /id, window_ms: 1000}\n", "int");
  EXPECT_EQ(failing.run(R"({"id": "a", "n": "x"})", 10000), "<mapping>: /n: not an integer: \"x\"");
  EXPECT_EQ(failing.run(R"({"id": "a", "n": "5"})", 10001), "5");
}

}  // namespace
}  // namespace kascade
