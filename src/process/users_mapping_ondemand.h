// process/users_mapping_ondemand.h: randomuser user JSON -> a `users` row in one On-Demand pass.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "core/record.h"
#include "core/row.h"
#include "process/users_mapping.h"

namespace kascade {

// The same mapping as UsersMapper (same options, rows, failure classes and
// messages), done with simdjson's On-Demand API: one walk over the document in
// document order that checks every value (read or not) as strictly as the DOM
// parser, keeps the fields the users table needs, and then applies the rules.
// Owns an On-Demand parser and a padded copy of the input: one instance per
// processor thread.
class OnDemandUsersMapper {
 public:
  explicit OnDemandUsersMapper(UsersMapperOptions options = {});
  ~OnDemandUsersMapper();
  OnDemandUsersMapper(const OnDemandUsersMapper&) = delete;
  OnDemandUsersMapper& operator=(const OnDemandUsersMapper&) = delete;

  // On success appends one row to `rows` and returns nullopt. On failure
  // leaves `rows` as it was and says why. Never throws on bad input.
  std::optional<MappingFailure> map(const ConsumedRecord& record, int64_t processed_at_ms,
                                    RowBatch& rows);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kascade
