// testing/users_reference/users_mapping.h: randomuser API user JSON -> a row of the `users` table.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/dead_letter.h"
#include "core/record.h"
#include "core/row.h"

namespace kascade {

// The `users` table of the flagship pipeline (docs/design.md, "Data contract").
const TableSchema& users_schema();

struct UsersMapperOptions {
  size_t max_record_bytes = 1 << 20;  // larger records are dead-lettered as too_large
};

// Parses (simdjson), validates and flattens one randomuser user per call.
// Owns a parser and its buffers: one instance per processor thread.
class UsersMapper {
 public:
  explicit UsersMapper(UsersMapperOptions options = {});
  ~UsersMapper();
  UsersMapper(const UsersMapper&) = delete;
  UsersMapper& operator=(const UsersMapper&) = delete;

  // On success appends one row to `rows` and returns nullopt. On failure
  // leaves `rows` as it was and says why. Never throws on bad input.
  std::optional<MappingFailure> map(const ConsumedRecord& record, int64_t processed_at_ms, RowBatch& rows);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kascade
