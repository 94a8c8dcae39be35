// nat, inc and exc on the mock API: which users, which fields, and stable pages.
#include "mockapi/user_selection.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>

#include "mockapi/mock_api_server.h"
#include "sources/generator/randomuser_generator.h"
#include "sources/http_client/http_client.h"

namespace kascade {
namespace {

std::set<std::string> top_level_keys(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object object = parser.parse(json).get_object();
  std::set<std::string> keys;
  for (auto field : object) keys.emplace(field.key);
  return keys;
}

TEST(UserSelectionTest, IncludeKeepsOnlyTheNamedFieldsAndExcludeDropsThem) {
  const RandomUserGenerator generator(GeneratorOptions{.seed = "sel"});
  const std::string user = generator.user_json(7);
  std::string included;
  UserSelection::from_params("", "name, email,nat", "").append_fields(user, included);
  EXPECT_EQ(top_level_keys(included), (std::set<std::string>{"name", "email", "nat"}));

  std::string excluded;
  UserSelection::from_params("", "", "login,id").append_fields(user, excluded);
  std::set<std::string> expected = top_level_keys(user);
  expected.erase("login");
  expected.erase("id");
  EXPECT_EQ(top_level_keys(excluded), expected);

  // Values are kept as they were (here the name object, byte for byte after minifying).
  simdjson::dom::parser a, b;
  EXPECT_EQ(simdjson::minify(a.parse(included)["name"].value()), simdjson::minify(b.parse(user)["name"].value()));
}

TEST(UserSelectionTest, UnknownNationalitiesAreIgnored) {
  EXPECT_TRUE(UserSelection::from_params("zz", "", "").all_users());
  EXPECT_FALSE(UserSelection::from_params("zz,fr", "", "").all_users());
  EXPECT_EQ(UserSelection::from_params("zz, fr ,Gb", "", "").nationality_key(), "FR,GB,");
}

TEST(UserSelectionTest, ApiPagesOfANationalityHoldOnlyItAndDoNotOverlap) {
  MockApiServer server(MockApiOptions{});
  ASSERT_TRUE(server.start().ok());
  HttpClient client;
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port()) + "/api/?seed=nat&results=50&nat=fr,de";
  simdjson::dom::parser parser;
  std::set<std::string> uuids;
  for (int page = 1; page <= 3; ++page) {
    auto response = client.get(base + "&page=" + std::to_string(page));
    ASSERT_TRUE(response.ok()) << response.error().message;
    ASSERT_EQ(response->status, 200);
    auto again = client.get(base + "&page=" + std::to_string(page));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->body, response->body);  // deterministic, like unfiltered pages
    simdjson::dom::array results = parser.parse(response->body)["results"].get_array();
    ASSERT_EQ(results.size(), 50u);
    for (simdjson::dom::element user : results) {
      const std::string_view nat = user["nat"].get_string().value();
      EXPECT_TRUE(nat == "FR" || nat == "DE") << nat;
      uuids.emplace(user["login"]["uuid"].get_string().value());
    }
  }
  EXPECT_EQ(uuids.size(), 150u);
}

}  // namespace
}  // namespace kascade
