// process/windows/tests/window_row_reader_test.cc: group-by values that are missing or of the wrong type.
#include "process/windows/window_row_reader.h"

#include <gtest/gtest.h>

#include "process/windows/group_key.h"
#include "process/windows/tests/window_test_support.h"

namespace kascade {
namespace {

using window_test::input_schema;

// One row of the test table with event time `at` = 1000; the caller sets country and age.
struct OneRow {
  RowBatch rows{&input_schema()};
  ConsumedRecord record;
  OneRow() {
    rows.add_row();
    rows.set_text(0, 0, "id-1");
    rows.set_integer(0, 5, 1000);
  }
};

WindowPlan plan_by(const std::string& fields, MissingGroupPolicy policy, std::string label = "") {
  WindowPlan plan;
  plan.table = "stats";
  plan.event_time = "at";
  plan.group_by = parse_field_list(fields);
  plan.aggregates = parse_aggregates("users=count").value();
  plan.missing_group = policy;
  plan.null_group_label = std::move(label);
  return plan;
}

std::string text_key(std::string_view text) {
  std::string key;
  group_key::append_text(key, text);
  return key;
}

TEST(WindowRowReader, AMissingTextValueIsTheNullGroupLabel) {
  auto reader = WindowRowReader::bind(plan_by("country", MissingGroupPolicy::null_group, "(none)"), input_schema());
  ASSERT_TRUE(reader);
  OneRow row;  // country left null
  ASSERT_TRUE(reader->read(row.record, row.rows, 0));
  EXPECT_TRUE(reader->missing_group().empty());
  EXPECT_EQ(reader->group_key(), text_key("(none)"));
}

TEST(WindowRowReader, AValueOfTheWrongTypeIsAMissingOne) {
  auto reader = WindowRowReader::bind(plan_by("country", MissingGroupPolicy::null_group), input_schema());
  ASSERT_TRUE(reader);
  OneRow row;
  row.rows.set_integer(0, 1, 42);  // a number in the text column
  ASSERT_TRUE(reader->read(row.record, row.rows, 0));
  EXPECT_TRUE(reader->missing_group().empty());
  EXPECT_EQ(reader->group_key(), text_key(""));
}

TEST(WindowRowReader, TheDeadLetterPolicyNamesTheField) {
  auto reader = WindowRowReader::bind(plan_by("gender, country", MissingGroupPolicy::dead_letter), input_schema());
  ASSERT_TRUE(reader);
  OneRow row;
  row.rows.set_text(0, 2, "female");
  ASSERT_TRUE(reader->read(row.record, row.rows, 0));
  EXPECT_EQ(reader->missing_group(), "country");
  // The next row, with every value, is a group again.
  row.rows.set_text(0, 1, "FR");
  ASSERT_TRUE(reader->read(row.record, row.rows, 0));
  EXPECT_TRUE(reader->missing_group().empty());
  EXPECT_EQ(reader->group_key(), text_key("female") + text_key("FR"));
}

TEST(WindowRowReader, ANumberHasNoNullGroup) {
  auto reader = WindowRowReader::bind(plan_by("age", MissingGroupPolicy::null_group), input_schema());
  ASSERT_TRUE(reader);
  OneRow row;  // age left null
  ASSERT_TRUE(reader->read(row.record, row.rows, 0));
  EXPECT_EQ(reader->missing_group(), "age");
  row.rows.set_text(0, 3, "forty");  // text in the integer column
  ASSERT_TRUE(reader->read(row.record, row.rows, 0));
  EXPECT_EQ(reader->missing_group(), "age");
}

TEST(WindowRowReader, AMissingHeaderIsTheNullGroup) {
  auto reader = WindowRowReader::bind(plan_by("header.source", MissingGroupPolicy::null_group), input_schema());
  ASSERT_TRUE(reader);
  OneRow row;  // no headers at all
  ASSERT_TRUE(reader->read(row.record, row.rows, 0));
  EXPECT_TRUE(reader->missing_group().empty());
  EXPECT_EQ(reader->group_key(), text_key(""));
}

}  // namespace
}  // namespace kascade
