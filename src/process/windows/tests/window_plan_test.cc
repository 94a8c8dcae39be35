// Parsing of aggregate specs and the results table a plan produces.
#include <gtest/gtest.h>

#include "process/windows/tests/window_test_support.h"

namespace kascade {
namespace {

TEST(WindowPlan, ParsesTheFlagshipAggregates) {
  auto specs =
      parse_aggregates("users=count, female=count(gender=female), male=count(gender = male), avg_age=avg(age)");
  ASSERT_TRUE(specs) << specs.error().message;
  ASSERT_EQ(specs->size(), 4u);
  EXPECT_EQ((*specs)[0].name, "users");
  EXPECT_TRUE((*specs)[0].field.empty());
  EXPECT_EQ((*specs)[1].kind, AggregateKind::count);
  EXPECT_TRUE((*specs)[1].has_filter);
  EXPECT_EQ((*specs)[1].field, "gender");
  EXPECT_EQ((*specs)[2].equals, "male");
  EXPECT_EQ((*specs)[3].kind, AggregateKind::avg);
  EXPECT_EQ((*specs)[3].field, "age");
}

TEST(WindowPlan, RejectsMistakesWithTheirReason) {
  EXPECT_NE(parse_aggregates("users").error().message.find("NAME=FUNCTION"), std::string::npos);
  EXPECT_NE(parse_aggregates("x=median(age)").error().message.find("unknown function 'median'"), std::string::npos);
  EXPECT_NE(parse_aggregates("x=sum(age=3)").error().message.find("only count"), std::string::npos);
  EXPECT_NE(parse_aggregates("x=sum").error().message.find("needs a field"), std::string::npos);
  EXPECT_NE(parse_aggregates("x=avg(age").error().message.find("missing ')'"), std::string::npos);
  EXPECT_EQ(parse_aggregates("x=avg(age").error().code, Errc::config);
}

TEST(WindowPlan, ResultsTableIsKeyedByGroupAndWindowStart) {
  const WindowPlan plan = window_test::full_plan(60000, 60000, 0);
  auto schema = results_schema(plan, window_test::input_schema());
  ASSERT_TRUE(schema) << schema.error().message;
  EXPECT_EQ(schema->name, "stats");
  EXPECT_EQ(schema->primary_key, (std::vector<std::string>{"country", "window_start"}));
  ASSERT_EQ(schema->columns.size(), 1u + 2u + 7u + 1u);
  EXPECT_EQ(schema->columns[0].type, ColumnType::text);
  EXPECT_EQ(schema->columns[1].type, ColumnType::timestamp);
  EXPECT_EQ(schema->columns[3].type, ColumnType::int64);    // users
  EXPECT_EQ(schema->columns[8].type, ColumnType::float64);  // avg_age
  EXPECT_EQ(schema->columns.back().name, "closed");
}

TEST(WindowPlan, RejectsBadWindowsAndUnknownColumns) {
  WindowPlan plan = window_test::full_plan(60000, 7000, 0);
  EXPECT_NE(validate_plan(plan).message().find("must divide"), std::string::npos);
  plan = window_test::full_plan(60000, 60000, 0);
  plan.group_by = {"planet"};
  EXPECT_NE(results_schema(plan, window_test::input_schema()).error().message.find("'planet' is not a column"),
            std::string::npos);
}

}  // namespace
}  // namespace kascade

namespace kascade {
namespace {

TEST(WindowPlan, GroupByListsFieldsOnceEach) {
  auto fields = parse_group_by(" country , header.source,, ");
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  EXPECT_EQ(*fields, (std::vector<std::string>{"country", "header.source"}));
  EXPECT_TRUE(parse_group_by("").ok());
  EXPECT_EQ(parse_group_by("country; gender").error().message,
            "'country; gender' is not a field (a column name or header.<name>)");
  EXPECT_EQ(parse_group_by("country, header.").error().message,
            "'header.' is not a field (a column name or header.<name>)");
  EXPECT_EQ(parse_group_by("country, country").error().message, "'country' is given twice");
  EXPECT_FALSE(check_table_name("users per minute").ok());
  EXPECT_TRUE(check_table_name("users_per_minute").ok());
}

}  // namespace
}  // namespace kascade
