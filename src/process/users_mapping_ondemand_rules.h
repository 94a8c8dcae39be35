// process/users_mapping_ondemand_rules.h: the users mapping rules applied to the values an On-Demand walk kept.
#pragma once

#include <cstdint>

#include "core/record.h"
#include "core/row.h"
#include "process/json_fields.h"
#include "process/users_mapping_ondemand_values.h"

namespace kascade::ondemand_rules {

// Checks the kept fields of one valid user document in UsersMapper's order and,
// if they have the expected shape, appends one `users` row; otherwise leaves
// `rows` as it was and sets `problem` (the same JSON-pointer message as UsersMapper).
bool append_user(const ondemand_values::Captured& user, const ConsumedRecord& record,
                 int64_t processed_at_ms, RowBatch& rows, json_fields::Problem& problem);

}  // namespace kascade::ondemand_rules
