// process/tests/users_mapping_ondemand_fixtures.cc: every input the users_mapping tests map, for the differential test.
#include <string>
#include <vector>

#include "process/tests/user_fixtures.h"

namespace kascade {

std::vector<std::string> users_mapping_fixture_inputs() {
  using testing_users::kApi14User;
  using testing_users::with;
  const std::string street = R"("street": {"number": 4417, "name": "Hollow Creek Rd"})";
  const std::string uuid = "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c";
  std::vector<std::string> in = {
      std::string(kApi14User),
      // users_mapping_test.cc
      with(street, R"("street": "4417 hollow creek rd")"),
      with(R"("first": "Thea")", R"("first": "Thea", "first": 7)"),
      with(street, R"("street": "8929 valwood pkwy")"),
      with(street, R"("street": "rue de la paix")"),
      with(street, R"("street": "12b rue haute")"),
      with(R"("number": 4417)", R"("number": "4417")"),
      with(R"("postcode": 59715)", R"("postcode": "IZ67 5RD")"),
      with(R"("postcode": 59715)", R"("postcode": "04109")"),
      with(R"("postcode": 59715)", R"("postcode": 59715.0)"),
      with(R"("postcode": 59715)", R"("postcode": null)"),
      with(R"("value": "512-44-9021")", R"("value": null)"),
      with(R"("id": {"name": "SSN", "value": "512-44-9021"},)", ""),
      with("2011-05-02T19:03:44.090Z", "2011-05-02 19:03:44",
           with("1987-11-23T08:41:07.512Z", "1987-11-23T08:41:07Z")),
      with(R"({"latitude": "-12.5731", "longitude": "151.0342"})",
           R"({"latitude": -12.5731, "longitude": 151})"),
      with(R"("last": "Lindqvist")", R"("last": "Dvo\u0159\u00e1k \ud83d\ude00")",
           with("thea.lindqvist@example.com", "ma\xC3\xABlle@\xC3\xA9xample.fr",
                with(R"("first": "Thea")",
                     "\"first\": \"Ma\xC3\xABlle \xE5\xB0\x8F\xE6\x9E\x97\""))),
      with(uuid, "3F2B8C1E-7D4A-4E9B-A6C5-0D1E2F3A4B5C",
           with(R"("nat": "US")",
                R"("nat": "US", "extra": {"deep": [1, 2, {"x": null}]}, "v": 2.5)")),
      R"({"login": {"uuid": "00000000-0000-4000-8000-000000000001"},
    "name": {"first": "A", "last": "B", "title": null}, "email": "a@b.c",
    "dob": {"date": "2000-01-01T00:00:00Z", "age": null}, "location": null, "phone": null})",
      with(R"("state": "Montana",)", ""),
      with(R"("nat": "US")",
           "\"nat\": \"US\", \"blob\": \"" + std::string(600 * 1024, 'x') + "\""),
      // users_mapping_failure_test.cc
      std::string(kApi14User.substr(0, kApi14User.size() / 2)),
      std::string(kApi14User.substr(0, kApi14User.size() - 1)),
      std::string(kApi14User.substr(0, kApi14User.find("\"city\""))),
      std::string(kApi14User.substr(0, 1)),
      "", "   ", "hello", "{\"a\":}", "{\"a\":1}}", "nul",
      with(R"("value": "512-44-9021")", R"("value": [1, 2 3])"),
      with(R"("salt": "SALT-Qk9zRt")", R"("salt": tru)"),
      with(R"("description": "Adelaide, Darwin")", R"("description": "Adelaide\q")"),
      with(R"("nat": "US")", R"("nat": "US", "extra": 01)"),
      with(R"("thumbnail": )", R"("thumbnail" )"),
      with(R"("first": "Thea")", "\"first\": \"Th\xC3\x28" "a\""),
      with("PW-marzipan77", "PW-\xFF\xFE"),
      with(R"("nat": "US")", "\"nat\": \"US\" \xC3\x28"),
      with(R"("age": 37)", R"("age": "37")"),
      with(R"("age": 37)", R"("age": 37.5)"),
      with(R"("age": 37)", R"("age": 99999999999)"),
      with(R"("name": {"title": "Mrs", "first": "Thea", "last": "Lindqvist"})", R"("name": 42)"),
      with(R"("last": "Lindqvist")", R"("last": ["Lindqvist"])"),
      with("\"uuid\": \"" + uuid + "\"", R"("uuid": 7)"),
      with(R"("latitude": "-12.5731")", R"("latitude": true)"),
      with(R"("latitude": "-12.5731")", R"("latitude": "south")"),
      with(R"("longitude": "151.0342")", R"("longitude": "251.5")"),
      with(R"("number": 4417)", R"("number": "12B")"),
      with(R"("number": 4417)", R"("number": {})"),
      with(R"("postcode": 59715)", R"("postcode": false)"),
      with(R"("offset": "+9:30")", R"("offset": 9.5)"),
      with(R"("phone": "(406) 555-0143")", R"("phone": 4065550143)"),
      with(R"("dob": {"date": "1987-11-23T08:41:07.512Z", "age": 37})", R"("dob": "1987-11-23")"),
      with(R"("city": "Bozeman")", R"("city": {"name": "Bozeman"})"),
      with(street, R"("street": ["Hollow Creek Rd"])"),
      "[1, 2]", "\"user\"",
      with("\"uuid\": \"" + uuid + "\",", ""),
      with("\"uuid\": \"" + uuid + "\"", R"("uuid": null)"),
      R"({"name": {"first": "A", "last": "B"}, "email": "a@b.c",
                    "dob": {"date": "2000-01-01T00:00:00Z"}})",
      with(R"("name": {"title": "Mrs", "first": "Thea", "last": "Lindqvist"},)", ""),
      with(R"("first": "Thea", )", ""),
      with(R"(, "last": "Lindqvist")", ""),
      with(R"("email": "thea.lindqvist@example.com",)", ""),
      with(R"("dob": {"date": "1987-11-23T08:41:07.512Z", "age": 37},)", ""),
      with(R"("date": "1987-11-23T08:41:07.512Z", )", ""),
      with(R"("date": "1987-11-23T08:41:07.512Z")", R"("date": null)"),
      with(uuid, "not-a-uuid"),
      with(uuid, "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5g"),
      with(uuid, std::string(60, 'a')),
      with("1987-11-23T08:41:07.512Z", "1987-02-30T08:41:07Z"),
      with("2011-05-02T19:03:44.090Z", "last tuesday"),
      std::string(2 << 20, '{'),
      with(R"("nat": "US")", "\"nat\": \"US\", \"pad\": \"" + std::string(2 << 20, 'p') + "\""),
  };
  for (int i = 0; i < 50; ++i) {
    in.push_back(with(R"("first": "Thea")", "\"first\": \"First" + std::to_string(i) + "\""));
  }
  // Root values of every kind, and small documents around the edges of the grammar.
  for (const char* small :
       {"{}", "[]", "null", "true", "false", "0", "-0", "1.5", "1e400", "-1e-400", "\"\"",
        "18446744073709551615", "18446744073709551616", "-9223372036854775808",
        "-9223372036854775809", " {} ", "{} {}", "[] x", "1 2", "\"a\" \"b\"", "nulll", "truee",
        "{\"a\":nul}", "{\"a\":[1,]}", "{\"a\":{},}", "{,}", "[,]", "{\"a\" 1}", "{1:2}",
        "{\"\\u0061\":1}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u12\"}", "{\"a\":-}", "{\"a\":1.}",
        "{\"a\":.5}", "{\"a\":1e}", "{\"a\":01}", "{\"a\":\"\t\"}", "{\"a\":1}]", "[{\"a\":1}",
        "{\"a\":{\"b\":1}", "{\"a\":[1,2}", "{\"a\":[1,2]]}", "\xEF\xBB\xBF{}", "{\"a\":1}\x00",
        "{\"login\":1}", "{\"login\":null}", "{\"login\":{\"uuid\":null}}"}) {
    in.push_back(small);
  }
  in.push_back(std::string("{\"a\":1}\0", 8));
  in.push_back(std::string("{\"a\":\"\0\"}", 9));
  return in;
}

}  // namespace kascade
