// testing/users_reference/users_schema.cc: the `users` table of the flagship pipeline (docs/design.md, "Data
// contract").
#include "testing/users_reference/users_columns.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade {

const TableSchema& users_schema() {
  static const TableSchema schema = [] {
    using T = ColumnType;
    TableSchema s;
    s.name = "users";
    s.columns = {
        {"id", T::uuid},
        {"first_name", T::text},
        {"last_name", T::text},
        {"title", T::text},
        {"gender", T::text},
        {"email", T::text},
        {"username", T::text},
        {"dob", T::timestamp},
        {"registered_date", T::timestamp},
        {"age", T::int32},
        {"phone", T::text},
        {"cell", T::text},
        {"picture", T::text},
        {"address", T::text},
        {"street_number", T::int32},
        {"street_name", T::text},
        {"city", T::text},
        {"state", T::text},
        {"country", T::text},
        {"post_code", T::text},
        {"latitude", T::float64},
        {"longitude", T::float64},
        {"timezone_offset", T::text},
        {"nationality", T::text},
        {"fetched_at", T::timestamp},
        {"processed_at", T::timestamp},
    };
    s.primary_key = {"id"};
    static_assert(users_columns::kColumnCount == 26);
    return s;
  }();
  return schema;
}

}  // namespace kascade
