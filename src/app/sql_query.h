// app/sql_query.h: read-only SQL over the embedded store, for `kascade query` and `kascade dlq ls`.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "app/tabular_output.h"
#include "core/result.h"

namespace kascade {

// Runs one statement on the SQLite file. A query can never change the store,
// nor write anywhere else: the file is opened read-only with PRAGMA query_only,
// and an authorizer refuses every statement but reads (no INSERT, ATTACH,
// VACUUM [INTO], PRAGMA that sets, ...). It stops after `timeout` (0: never).
// Errors: Errc::not_found if the file does not exist, Errc::invalid_argument
// for a statement that does not compile or is refused ("SQL error: ..."),
// Errc::timeout when the time limit fires, Errc::corrupt or Errc::io when the
// store cannot be read.
Result<ResultTable> run_sql_query(const std::filesystem::path& database, const std::string& sql,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace kascade
