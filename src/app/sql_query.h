// app/sql_query.h: read-only SQL over the embedded store, for `kascade query`.
#pragma once

#include <filesystem>
#include <string>

#include "app/tabular_output.h"
#include "core/result.h"

namespace kascade {

// Runs one statement on the SQLite file, opened read-only (a query can
// never change the store). Errors: Errc::not_found if the file does not
// exist, Errc::invalid_argument for SQL errors.
Result<ResultTable> run_sql_query(const std::filesystem::path& database, const std::string& sql);

}  // namespace kascade
