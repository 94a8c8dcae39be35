// Tests for config/: defaults, overrides, and errors that name file, line and key.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/option_table.h"

namespace kascade {
namespace {

TEST(ConfigLoader, EmptyTextGivesDefaults) {
  auto config = load_config_text("", "empty.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->data_dir, "./kascade-data");
  EXPECT_EQ(config->bus.topic, "users.raw");
  EXPECT_EQ(config->bus.partitions, 4);
  EXPECT_EQ(config->source.type, SourceType::generator);
  EXPECT_EQ(config->store_path(), "./kascade-data/store.db");
}

TEST(ConfigLoader, OverridesNestedOptions) {
  auto config = load_config_text(
      "data_dir: /tmp/x\n"
      "bus:\n"
      "  partitions: 8\n"
      "  embedded:\n"
      "    sync: normal\n"
      "source:\n"
      "  records: 1000\n"
      "  malformed_ratio: 0.25\n",
      "p.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->bus.partitions, 8);
  EXPECT_EQ(config->bus.embedded.sync, SyncLevel::normal);
  EXPECT_EQ(config->source.records, 1000);
  EXPECT_DOUBLE_EQ(config->source.malformed_ratio, 0.25);
  EXPECT_EQ(config->store_path(), "/tmp/x/store.db");
}

void expect_error(const std::string& text, const std::string& expected) {
  auto config = load_config_text(text, "p.yaml");
  ASSERT_FALSE(config.ok()) << "accepted: " << text;
  EXPECT_EQ(config.error().code, Errc::config);
  EXPECT_EQ(config.error().message, expected);
}

TEST(ConfigLoader, UnknownKeyNamesFileLineAndKey) {
  expect_error("bus:\n  partitons: 8\n", "p.yaml:2:3: bus.partitons: unknown key (did you mean 'bus.partitions'?)");
  expect_error("data_dir: x\nflux: 1\n", "p.yaml:2:1: flux: unknown key");
}

TEST(ConfigLoader, WrongTypeNamesFileLineAndKey) {
  expect_error("bus:\n  partitions: four\n", "p.yaml:2:15: bus.partitions: expected an integer, got 'four'");
  expect_error("source:\n  malformed_ratio: lots\n",
               "p.yaml:2:20: source.malformed_ratio: expected a number, got 'lots'");
  expect_error("bus: 3\n", "p.yaml:1:1: bus: expected a mapping of options");
  expect_error("bus:\n  topic: [a, b]\n", "p.yaml:2:3: bus.topic: expected a single value, got a list or mapping");
}

TEST(ConfigLoader, OutOfRangeNamesFileLineAndKey) {
  expect_error("bus:\n  partitions: 0\n", "p.yaml:2:15: bus.partitions: 0 is out of range [1, 1024]");
  expect_error("source:\n  malformed_ratio: 1.5\n", "p.yaml:2:20: source.malformed_ratio: 1.5 is out of range [0, 1]");
  expect_error("store:\n  sync: sometimes\n", "p.yaml:2:9: store.sync: 'sometimes' is not one of: full, normal");
}

TEST(ConfigLoader, InvalidYamlNamesLine) {
  auto config = load_config_text("bus:\n  topic: [unclosed\n", "p.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("p.yaml:"), std::string::npos) << config.error().message;
  EXPECT_NE(config.error().message.find("invalid YAML"), std::string::npos);
}

TEST(ConfigLoader, MissingFileIsAConfigError) {
  auto config = load_config_file("/nonexistent/kascade.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, Errc::config);
  EXPECT_NE(config.error().message.find("/nonexistent/kascade.yaml"), std::string::npos);
}

TEST(ConfigLoader, ADirectoryIsRefusedAsAConfigFile) {
  const auto directory = std::filesystem::temp_directory_path();
  auto config = load_config_file(directory);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, Errc::config);
  EXPECT_NE(config.error().message.find(directory.string() + ": cannot read the config file: it is a directory"),
            std::string::npos)
      << config.error().message;
}

TEST(ConfigLoader, CommandLineOverridesUseTheSameChecks) {
  Config config = default_config();
  ASSERT_TRUE(set_config_option(config, "bus.partitions=12").ok());
  EXPECT_EQ(config.bus.partitions, 12);
  EXPECT_EQ(set_config_option(config, "bus.partitions=0").message(),
            "--set: bus.partitions: 0 is out of range [1, 1024]");
  EXPECT_EQ(set_config_option(config, "bus.partition=3").message(),
            "--set: bus.partition: unknown key (did you mean 'bus.partitions'?)");
  EXPECT_EQ(set_config_option(config, "bus.partitions").message(), "--set bus.partitions: expected KEY=VALUE");
}

TEST(ConfigReference, ListsEveryOption) {
  const std::string doc = config_reference_markdown();
  for (const auto& option : option_table()) {
    EXPECT_NE(doc.find("`" + std::string(option.path) + "`"), std::string::npos) << option.path;
  }
}

}  // namespace
}  // namespace kascade
