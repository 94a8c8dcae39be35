// testing/temp_dir.h: a fresh directory for one test, removed when the test ends (tests only).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace kascade::test_support {

// Owns a new directory under the system temp dir ("kascade-<label>-XXXXXX").
struct TempDir {
  explicit TempDir(const std::string& label = "test") {
    std::string pattern = (std::filesystem::temp_directory_path() / ("kascade-" + label + "-XXXXXX")).string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return std::filesystem::path(path) / name; }

  std::string path;
};

}  // namespace kascade::test_support
