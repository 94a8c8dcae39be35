// mockapi/user_selection.h: the API's nat, inc and exc parameters — which users, which fields.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sources/generator/randomuser_generator.h"

namespace kascade {

// As on the real API: `nat=us,gb` keeps users of those nationalities (case
// does not matter); `inc=name,email` keeps only those top-level fields,
// `exc=login` drops them (inc wins when both are given). Nationality codes the
// generator does not know are ignored.
class UserSelection {
 public:
  static UserSelection from_params(std::string_view nat, std::string_view inc, std::string_view exc);

  bool all_users() const { return nationalities_.empty(); }
  bool all_fields() const { return include_.empty() && exclude_.empty(); }

  // True if the user (one results[] item) has a selected nationality.
  bool selects_user(std::string_view user_json) const;
  // Appends the user with only the selected fields.
  void append_fields(std::string_view user_json, std::string& out) const;

  // A key naming the nationalities, for caches ("" for all).
  std::string nationality_key() const;

 private:
  bool keeps_field(std::string_view name) const;

  std::vector<std::string> nationalities_;  // upper case
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

// Generator indices of the users a nationality filter selects, found by
// scanning a seed's sequence once and remembered, so page P of a filtered
// query is users (P-1)*N .. P*N-1 of the filtered sequence, deterministic
// like the unfiltered one. Thread-safe.
class FilteredIndexCache {
 public:
  // The generator indices of filtered users first .. first+count-1.
  std::vector<uint64_t> indices(const RandomUserGenerator& generator, const UserSelection& selection, uint64_t first,
                                uint64_t count);

 private:
  struct Scan {
    uint64_t next_index = 0;      // first generator index not scanned yet
    std::vector<uint64_t> found;  // selected indices, in order
  };
  std::mutex mutex_;
  std::map<std::string, Scan> scans_;  // by seed + nationalities
};

}  // namespace kascade
