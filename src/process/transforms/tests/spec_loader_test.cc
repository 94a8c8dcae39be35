// process/transforms/tests/spec_loader_test.cc: every kind of spec mistake is reported with file, line, column and key.
#include "process/transforms/spec_loader.h"

#include <gtest/gtest.h>

#include <string>

namespace kascade {
namespace {

const std::string kTable =
    "table:\n"             // 1
    "  name: people\n"     // 2
    "  primary_key: id\n"  // 3
    "  columns:\n"         // 4
    "    id: uuid\n"       // 5
    "    name: text\n"     // 6
    "    age: int\n";      // 7

// The one problem of kTable + `transforms`, or a failure listing them all.
std::string only_problem(const std::string& transforms) {
  const auto problems = check_pipeline_spec_text(kTable + transforms, "p.yaml");
  if (problems.size() != 1) {
    std::string all;
    for (const auto& p : problems) all += p + "\n";
    ADD_FAILURE() << problems.size() << " problems:\n" << all;
    return "";
  }
  return problems[0];
}

TEST(PipelineLoader, AConfigWithoutTransformsHasNoProgram) {
  auto program = load_pipeline_spec_text("data_dir: /tmp/x\n", "p.yaml");
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_EQ(*program, nullptr);
}

TEST(PipelineLoader, CompilesAValidSpec) {
  auto program = load_pipeline_spec_text(kTable +
                                             "transforms:\n"
                                             "  - parse: json\n"
                                             "  - validate: {required: [/id], types: {/age: integer}}\n"
                                             "  - map:\n"
                                             "      id: /id\n"
                                             "      name: upper(/name)\n"
                                             "      age: /age\n",
                                         "p.yaml");
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_EQ((*program)->schema.name, "people");
  EXPECT_EQ((*program)->map.targets.size(), 3u);
}

TEST(PipelineLoader, UnknownStepKeyFunctionColumnAndType) {
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - mapp: {id: /id}\n  - map: {id: /id}\n"),
            "p.yaml:10:5: transforms[1].mapp: unknown transform 'mapp' (did you mean 'map'?)");
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - validate: {requird: [/id]}\n  - map: {id: /id}\n"),
            "p.yaml:10:16: transforms[1].validate.requird: unknown key 'requird' (did you mean 'required'?)");
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - map:\n      id: /id\n      name: lowr(/name)\n"),
            "p.yaml:12:13: transforms[1].map.name: at character 1: unknown function 'lowr' (did you mean 'lower'?)");
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - map:\n      id: /id\n      nme: /name\n"),
            "p.yaml:12:7: transforms[1].map.nme: unknown column 'nme' (did you mean 'name'?) of table 'people'");
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - validate: {types: {/age: integr}}\n  - map: {id: /id}\n"),
            "p.yaml:10:30: transforms[1].validate.types./age: unknown type 'integr' (did you mean 'integer'?)");
}

TEST(PipelineLoader, BadPointerRegexAndExpression) {
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - map:\n      id: /id\n      name: trim(/a~2b)\n"),
            "p.yaml:12:13: transforms[1].map.name: at character 6: bad JSON pointer '/a~2b': "
            "'~' must be followed by 0 or 1 in a JSON pointer");
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - validate: {required: [name]}\n  - map: {id: /id}\n"),
            "p.yaml:10:27: transforms[1].validate.required: bad JSON pointer 'name': a JSON pointer starts with '/'");
  const std::string regex =
      only_problem("transforms:\n  - parse: json\n  - validate:\n      patterns: {/name: '[a-'}\n  - map: {id: /id}\n");
  EXPECT_EQ(regex.rfind("p.yaml:11:25: transforms[1].validate.patterns./name: bad regular expression '[a-': ", 0), 0u)
      << regex;
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - map:\n      id: /id\n      age: int(/age\n"),
            "p.yaml:12:12: transforms[1].map.age: at character 9: expected ',' or ')'");
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - map:\n      id: /id\n      age: int(/a, /b)\n"),
            "p.yaml:12:12: transforms[1].map.age: at character 1: int() takes 1 argument");
}

TEST(PipelineLoader, StructureMistakes) {
  EXPECT_EQ(only_problem("transforms:\n  - map: {id: /id}\n"),
            "p.yaml:9:5: transforms[0].map: the first step must be 'parse: json'");
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - map: {name: /name}\n"),
            "p.yaml:10:10: transforms[1].map: primary key column 'id' is not mapped");
  EXPECT_EQ(
      only_problem("transforms:\n  - parse: json\n  - map:\n      id: /id\n      name: concat(age)\n      age: /age\n"),
      "p.yaml:12:13: transforms[1].map.name: at character 8: column 'age' is used before it is mapped "
      "(map it earlier)");
  EXPECT_EQ(only_problem("transforms:\n  - parse: json\n  - dedupe: {key: /id, window_ms: soon}\n  - map: {id: /id}\n"),
            "p.yaml:10:35: transforms[1].dedupe.window_ms: expected a positive integer (ms)");
  const auto problems = check_pipeline_spec_text(
      "table:\n  name: t\n  primary_key: id\n  columns: {id: uuid, n: integer}\ntransforms:\n  - parse: json\n"
      "  - map: {id: /id}\n",
      "p.yaml");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "p.yaml:4:26: table.columns.n: unknown column type 'integer' (expected one of: text, int, "
            "bigint, double, timestamp, uuid)");
}

TEST(PipelineLoader, ReportsEveryProblemAtOnce) {
  const auto problems = check_pipeline_spec_text(
      kTable +
          "transforms:\n  - parse: json\n  - validate: {types: {/a: strng}}\n  - map:\n      id: /id\n"
          "      nam: /name\n      age: foo(/age)\n",
      "p.yaml");
  EXPECT_EQ(problems.size(), 3u);
}

TEST(PipelineLoader, AMissingFileOrADirectoryIsAConfigError) {
  for (const std::string& file :
       {std::string("/nonexistent/pipeline.yaml"), std::string(KASCADE_SOURCE_DIR "/configs")}) {
    auto program = load_pipeline_spec_file(file);
    ASSERT_FALSE(program.ok()) << file;
    EXPECT_EQ(program.error().code, Errc::config);
    EXPECT_EQ(program.error().message.rfind(file + ": cannot read the config file: ", 0), 0u)
        << program.error().message;
  }
}

TEST(PipelineLoader, ShippedConfigsCompile) {
  for (const char* name : {"flagship.yaml", "seed-compat.yaml"}) {
    auto program = load_pipeline_spec_file(std::string(KASCADE_SOURCE_DIR "/configs/") + name);
    ASSERT_TRUE(program.ok()) << program.error().message;
    EXPECT_NE(*program, nullptr) << name;
  }
}

}  // namespace
}  // namespace kascade
