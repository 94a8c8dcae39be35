// Fault names and the seeded fault draw.
#include "mockapi/fault_plan.h"

#include <gtest/gtest.h>

#include <map>

namespace kascade {
namespace {

TEST(FaultPlanTest, ParsesFaultLists) {
  auto kinds = parse_fault_kinds("429,reset");
  ASSERT_TRUE(kinds.ok());
  EXPECT_EQ(*kinds, (std::vector<FaultKind>{FaultKind::too_many_requests, FaultKind::reset}));
  EXPECT_EQ(parse_fault_kinds("all")->size(), 6u);
  EXPECT_FALSE(parse_fault_kinds("429,explode").ok());
}

TEST(FaultPlanTest, FailsAboutTheAskedShareSpreadOverEveryKind) {
  FaultPlan plan(0.2, all_fault_kinds(), 42);
  std::map<FaultKind, int> counts;
  int faults = 0;
  for (int i = 0; i < 60000; ++i) {
    if (auto kind = plan.next()) {
      ++faults;
      ++counts[*kind];
    }
  }
  EXPECT_NEAR(faults, 12000, 400);
  EXPECT_EQ(counts.size(), 6u);
  for (const auto& [kind, count] : counts) EXPECT_NEAR(count, 2000, 200) << fault_kind_name(kind);
}

TEST(FaultPlanTest, ZeroRateNeverFailsAndTheDrawIsReproducible) {
  FaultPlan none(0.0, all_fault_kinds(), 1);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(none.next());
  FaultPlan a(0.5, all_fault_kinds(), 9), b(0.5, all_fault_kinds(), 9);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(a.next(), b.next());
}

}  // namespace
}  // namespace kascade
