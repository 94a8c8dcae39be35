// testing/people_table.h: the small table the sink tests write, one column of
// each common type, keyed by a UUID.
#pragma once

#include "core/row.h"

namespace kascade::test_support {

inline const TableSchema kPeopleTable{"people",
                                      {{"id", ColumnType::uuid},
                                       {"name", ColumnType::text},
                                       {"age", ColumnType::int32},
                                       {"score", ColumnType::float64},
                                       {"seen_at", ColumnType::timestamp}},
                                      {"id"}};

}  // namespace kascade::test_support
