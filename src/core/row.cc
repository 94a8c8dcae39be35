// core/row.cc: schema look-ups and type names.
#include "core/row.h"

namespace kascade {

const char* column_type_name(ColumnType type) {
  switch (type) {
    case ColumnType::text:
      return "text";
    case ColumnType::int32:
      return "int";
    case ColumnType::int64:
      return "bigint";
    case ColumnType::float64:
      return "double";
    case ColumnType::timestamp:
      return "timestamp";
    case ColumnType::uuid:
      return "uuid";
  }
  return "unknown";
}

int TableSchema::column_index(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

bool TableSchema::is_primary_key(std::string_view column) const {
  for (const auto& key : primary_key) {
    if (key == column) return true;
  }
  return false;
}

}  // namespace kascade
