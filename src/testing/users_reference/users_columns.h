// testing/users_reference/users_columns.h: positions of the `users` table's columns, shared by its schema and its
// mapper.
#pragma once

#include <cstddef>

namespace kascade::users_columns {

// Column positions in users_schema(); keep in the schema's order.
enum UsersColumn : size_t {
  kId,
  kFirstName,
  kLastName,
  kTitle,
  kGender,
  kEmail,
  kUsername,
  kDob,
  kRegisteredDate,
  kAge,
  kPhone,
  kCell,
  kPicture,
  kAddress,
  kStreetNumber,
  kStreetName,
  kCity,
  kState,
  kCountry,
  kPostCode,
  kLatitude,
  kLongitude,
  kTimezoneOffset,
  kNationality,
  kFetchedAt,
  kProcessedAt,
  kColumnCount,
};

}  // namespace kascade::users_columns
