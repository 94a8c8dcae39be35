// core/tests/text_test.cc: the shared text helpers, edit_distance above all (the "did you mean" of config and spec
// errors).
#include "core/text.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

TEST(EditDistance, CountsSingleByteInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("map", "map"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("mapp", "map"), 1u);          // a deletion
  EXPECT_EQ(edit_distance("requird", "required"), 1u);  // an insertion
  EXPECT_EQ(edit_distance("lowr", "lower"), 1u);
  EXPECT_EQ(edit_distance("bus.partitons", "bus.partitions"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);  // two substitutions, an insertion
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(edit_distance("Map", "map"), 1u);  // case counts
  EXPECT_EQ(edit_distance("sitting", "kitten"), edit_distance("kitten", "sitting"));
}

TEST(Text, TrimLowerAndCaseInsensitiveEquality) {
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(to_lower("Content-Type"), "content-type");
  EXPECT_TRUE(iequals("Bearer", "bEARER"));
  EXPECT_FALSE(iequals("Bearer", "Bearer "));
}

}  // namespace
}  // namespace kascade
