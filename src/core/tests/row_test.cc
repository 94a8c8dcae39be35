// Tests for core/row.h.
#include "core/row.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

TEST(RowBatch, StoresTypedCellsAndText) {
  TableSchema schema{"t", {{"id", ColumnType::uuid}, {"n", ColumnType::int32}, {"x", ColumnType::float64}}, {"id"}};
  RowBatch batch(&schema);
  size_t r = batch.add_row();
  batch.set_text(r, 0, "abc");
  batch.set_integer(r, 1, 42);
  r = batch.add_row();
  batch.set_text(r, 0, "défg");
  batch.set_real(r, 2, 1.5);
  ASSERT_EQ(batch.rows(), 2u);
  EXPECT_EQ(batch.text(batch.get(0, 0)), "abc");
  EXPECT_EQ(batch.get(0, 1).as.integer, 42);
  EXPECT_TRUE(batch.get(0, 2).is_null());
  EXPECT_EQ(batch.text(batch.get(1, 0)), "défg");
  EXPECT_TRUE(batch.get(1, 1).is_null());
  EXPECT_DOUBLE_EQ(batch.get(1, 2).as.real, 1.5);
  batch.drop_last_row();
  EXPECT_EQ(batch.rows(), 1u);
  EXPECT_EQ(schema.column_index("x"), 2);
  EXPECT_EQ(schema.column_index("nope"), -1);
}

}  // namespace
}  // namespace kascade
