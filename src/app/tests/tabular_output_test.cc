// Tests for app/tabular_output.h.
#include "app/tabular_output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace kascade {
namespace {

const ResultTable kTable{
    {"id", "name", "score"},
    {{int64_t{1}, std::string("Zoë, \"Z\""), 2.5}, {int64_t{22}, std::monostate{}, std::string("x")}}};

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

TEST(TabularOutput, Csv) { EXPECT_EQ(render(OutputFormat::csv), "id,name,score\n1,\"Zoë, \"\"Z\"\"\",2.5\n22,,x\n"); }

TEST(TabularOutput, JsonIsOneArray) {
  EXPECT_EQ(render(OutputFormat::json),
            "[{\"id\":1,\"name\":\"Zoë, \\\"Z\\\"\",\"score\":2.5},{\"id\":22,\"name\":null,\"score\":\"x\"}]\n");
}

TEST(TabularOutput, NdjsonLines) {
  EXPECT_EQ(render(OutputFormat::ndjson),
            "{\"id\":1,\"name\":\"Zoë, \\\"Z\\\"\",\"score\":2.5}\n{\"id\":22,\"name\":null,\"score\":\"x\"}\n");
}

TEST(TabularOutput, JsonArray) {
  EXPECT_EQ(json_array(kTable),
            "[{\"id\":1,\"name\":\"Zoë, \\\"Z\\\"\",\"score\":2.5},{\"id\":22,\"name\":null,\"score\":\"x\"}]");
  EXPECT_EQ(json_array(ResultTable{{"a"}, {}}), "[]");
  EXPECT_EQ(json_object(kTable, 1), "{\"id\":22,\"name\":null,\"score\":\"x\"}");
}

TEST(TabularOutput, PrometheusGauge) {
  const ResultTable lag{{"group", "partition", "lag"},
                        {{std::string("g\"1\\"), int64_t{0}, int64_t{12}},
                         {std::string("g"), int64_t{1}, std::monostate{}},
                         {std::string("g\n"), int64_t{2}, 0.5}}};
  EXPECT_EQ(prometheus_gauge(lag, "kascade_consumer_lag", "Records to go.", {"group", "partition"}, "lag"),
            "# HELP kascade_consumer_lag Records to go.\n"
            "# TYPE kascade_consumer_lag gauge\n"
            "kascade_consumer_lag{group=\"g\\\"1\\\\\",partition=\"0\"} 12\n"
            "kascade_consumer_lag{group=\"g\\n\",partition=\"2\"} 0.5\n");
  EXPECT_EQ(prometheus_gauge(ResultTable{{"n"}, {{int64_t{3}}}}, "kascade_n", "N.", {}, "n"),
            "# HELP kascade_n N.\n# TYPE kascade_n gauge\nkascade_n 3\n");
}

TEST(TabularOutput, ParsesFormatNames) {
  EXPECT_TRUE(parse_output_format("csv").ok());
  EXPECT_FALSE(parse_output_format("xml").ok());
}

}  // namespace
}  // namespace kascade
