// Tests for config/: bool and enum options (YAML, --set, defaults, reference), and where each option was set.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/option_table.h"

namespace kascade {
namespace {

std::string error_of(const std::string& text) {
  auto config = load_config_text(text, "p.yaml");
  if (config.ok()) return "accepted";
  EXPECT_EQ(config.error().code, Errc::config);
  return config.error().message;
}

TEST(BoolOption, DefaultsAreBools) {
  const Config config = default_config();
  EXPECT_FALSE(config.store.cassandra.tls);
  EXPECT_TRUE(config.store.cassandra.tls_verify_host);
  EXPECT_FALSE(config.serve.create_topics);
}

TEST(BoolOption, TakesTrueAndFalseFromYaml) {
  auto config = load_config_text(
      "store:\n  cassandra:\n    tls: true\n    tls_verify_host: false\nserve:\n  create_topics: true\n", "p.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->store.cassandra.tls);
  EXPECT_FALSE(config->store.cassandra.tls_verify_host);
  EXPECT_TRUE(config->serve.create_topics);
}

TEST(BoolOption, RefusesAnythingElseNamingFileLineAndKey) {
  EXPECT_EQ(error_of("serve:\n  create_topics: yes\n"),
            "p.yaml:2:18: serve.create_topics: expected true or false, got 'yes'");
  EXPECT_EQ(error_of("store:\n  cassandra:\n    tls: 1\n"),
            "p.yaml:3:10: store.cassandra.tls: expected true or false, got '1'");
}

TEST(BoolOption, CommandLineTakesTrueAndFalse) {
  Config config = default_config();
  ASSERT_TRUE(set_config_option(config, "serve.create_topics=true").ok());
  EXPECT_TRUE(config.serve.create_topics);
  ASSERT_TRUE(set_config_option(config, "serve.create_topics=false").ok());
  EXPECT_FALSE(config.serve.create_topics);
  EXPECT_EQ(set_config_option(config, "serve.create_topics=on").message(),
            "--set: serve.create_topics: expected true or false, got 'on'");
}

TEST(EnumOption, DefaultsAreTheDeclaredValues) {
  const Config config = default_config();
  EXPECT_EQ(config.bus.type, BusType::embedded);
  EXPECT_EQ(config.source.type, SourceType::generator);
  EXPECT_EQ(config.store.type, StoreType::sqlite);
  EXPECT_EQ(config.store.sync, SyncLevel::normal);
  EXPECT_EQ(config.bus.embedded.sync, SyncLevel::full);
  EXPECT_EQ(config.bus.embedded.compression, LogCompression::lz4);
  EXPECT_EQ(config.source.http.auth, HttpAuth::none);
  EXPECT_EQ(config.windows.enabled, WindowsEnabled::automatic);
  EXPECT_EQ(config.windows.late_records, LateRecords::drop);
  EXPECT_EQ(config.windows.missing_group, MissingGroup::null_group);
}

TEST(EnumOption, NamesMapToValues) {
  auto config = load_config_text(
      "bus:\n  type: kafka\n  embedded:\n    sync: normal\n    compression: none\n"
      "source:\n  type: http\n  http:\n    auth: basic\n"
      "store:\n  type: cassandra\n  sync: full\n"
      "windows:\n  enabled: 'off'\n  late_records: dead_letter\n  missing_group: dead_letter\n",
      "p.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->bus.type, BusType::kafka);
  EXPECT_EQ(config->bus.embedded.sync, SyncLevel::normal);
  EXPECT_EQ(config->bus.embedded.compression, LogCompression::none);
  EXPECT_EQ(config->source.type, SourceType::http);
  EXPECT_EQ(config->source.http.auth, HttpAuth::basic);
  EXPECT_EQ(config->store.type, StoreType::cassandra);
  EXPECT_EQ(config->store.sync, SyncLevel::full);
  EXPECT_EQ(config->windows.enabled, WindowsEnabled::off);
  EXPECT_EQ(config->windows.late_records, LateRecords::dead_letter);
  EXPECT_EQ(config->windows.missing_group, MissingGroup::dead_letter);
  EXPECT_EQ(option_name(config->store.type), "cassandra");
  EXPECT_EQ(option_name(WindowsEnabled::automatic), "auto");
}

TEST(EnumOption, AnUnknownNameListsTheChoices) {
  EXPECT_EQ(error_of("store:\n  type: postgres\n"),
            "p.yaml:2:9: store.type: 'postgres' is not one of: sqlite, cassandra");
  EXPECT_EQ(error_of("windows:\n  enabled: maybe\n"),
            "p.yaml:2:12: windows.enabled: 'maybe' is not one of: auto, on, off");
  Config config = default_config();
  EXPECT_EQ(set_config_option(config, "bus.type=rabbit").message(),
            "--set: bus.type: 'rabbit' is not one of: embedded, kafka");
  ASSERT_TRUE(set_config_option(config, "windows.enabled=on").ok());
  EXPECT_EQ(config.windows.enabled, WindowsEnabled::on);
}

TEST(EnumOption, EveryEnumOptionsDefaultIsOneOfItsChoices) {
  for (const auto& option : option_table()) {
    if (const auto* choice = std::get_if<EnumOption>(&option.kind)) {
      EXPECT_LT(choice->default_index, choice->choices.size()) << option.path;
    }
  }
}

TEST(ConfigReference, ShowsBoolAndEnumTypes) {
  const std::string doc = config_reference_markdown();
  EXPECT_NE(doc.find("| `serve.create_topics` | bool | `false` | `true`, `false` |"), std::string::npos);
  EXPECT_NE(doc.find("| `store.type` | enum | `sqlite` | `sqlite`, `cassandra` |"), std::string::npos);
  EXPECT_NE(doc.find("| `windows.enabled` | enum | `auto` | `auto`, `on`, `off` |"), std::string::npos);
}

TEST(OptionLocation, NamesTheLineOrTheFlagOfEachOption) {
  auto config = load_config_text("bus:\n  topic: t\nwindows:\n  aggregates: n=count\n", "p.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->option_location("windows.aggregates"), "p.yaml:4:15: windows.aggregates");
  EXPECT_EQ(config->option_location("bus.topic"), "p.yaml:2:10: bus.topic");
  EXPECT_EQ(config->option_location("windows.group_by"), "windows.group_by");
  ASSERT_TRUE(set_config_option(*config, "windows.aggregates=m=count").ok());
  EXPECT_EQ(config->option_location("windows.aggregates"), "--set windows.aggregates");
}

}  // namespace
}  // namespace kascade
