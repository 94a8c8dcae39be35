// Tests for app/tabular_output.h.
#include "app/tabular_output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace kascade {
namespace {

const ResultTable kTable{{"id", "name", "score"},
                         {{int64_t{1}, std::string("Zoë, \"Z\""), 2.5},
                          {int64_t{22}, std::monostate{}, std::string("x")}}};

std::string render(OutputFormat format) {
  std::ostringstream out;
  print_table(out, kTable, format);
  return out.str();
}

TEST(TabularOutput, AlignedTable) {
  EXPECT_EQ(render(OutputFormat::table),
            "id | name     | score\n"
            "---+----------+------\n"
            "1  | Zoë, \"Z\" | 2.5\n"
            "22 | null     | x\n"
            "(2 rows)\n");
}

TEST(TabularOutput, Csv) {
  EXPECT_EQ(render(OutputFormat::csv), "id,name,score\n1,\"Zoë, \"\"Z\"\"\",2.5\n22,,x\n");
}

TEST(TabularOutput, JsonLines) {
  EXPECT_EQ(render(OutputFormat::json),
            "{\"id\":1,\"name\":\"Zoë, \\\"Z\\\"\",\"score\":2.5}\n{\"id\":22,\"name\":null,\"score\":\"x\"}\n");
}

TEST(TabularOutput, JsonArray) {
  EXPECT_EQ(json_array(kTable),
            "[{\"id\":1,\"name\":\"Zoë, \\\"Z\\\"\",\"score\":2.5},{\"id\":22,\"name\":null,\"score\":\"x\"}]");
  EXPECT_EQ(json_array(ResultTable{{"a"}, {}}), "[]");
}

TEST(TabularOutput, ParsesFormatNames) {
  EXPECT_TRUE(parse_output_format("csv").ok());
  EXPECT_FALSE(parse_output_format("xml").ok());
}

}  // namespace
}  // namespace kascade
