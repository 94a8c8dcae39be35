// Tests for config/config_yaml: one document per file, no key twice, long values cut in every message.
#include "config/config_yaml.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace kascade {
namespace {

std::string error_of(const std::string& text) {
  auto config = load_config_text(text, "p.yaml");
  if (config.ok()) return "accepted";
  EXPECT_EQ(config.error().code, Errc::config);
  return config.error().message;
}

TEST(ConfigYaml, ASecondDocumentIsRefusedAtItsLine) {
  // An empty first document must not hide the rest, and the rest must not be ignored.
  EXPECT_EQ(error_of("---\n---\nbus: {partitions: 2000, bogus_key: 1}\n"),
            "p.yaml:2:1: a second YAML document: a config file holds exactly one");
  EXPECT_EQ(error_of("bus:\n  partitions: 8\n---\nbus:\n  partitions: 9\n"),
            "p.yaml:3:1: a second YAML document: a config file holds exactly one");
  EXPECT_EQ(error_of("data_dir: x\n---\n"), "p.yaml:2:1: a second YAML document: a config file holds exactly one");
  // Even when the second document would not parse: it is the second document that is wrong.
  EXPECT_EQ(error_of("data_dir: x\n---\nbus: [unclosed\n"),
            "p.yaml:2:1: a second YAML document: a config file holds exactly one");
}

TEST(ConfigYaml, OneDocumentWithMarkersIsAccepted) {
  auto config = load_config_text("---\nbus:\n  partitions: 8\n...\n", "p.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->bus.partitions, 8);
}

TEST(ConfigYaml, AnEmptyFileOrOneEmptyDocumentGivesTheDefaults) {
  for (const std::string text : {"", "# only a comment\n", "---\n", "---\n...\n"}) {
    auto config = load_config_text(text, "p.yaml");
    ASSERT_TRUE(config.ok()) << text << ": " << config.error().message;
    EXPECT_EQ(config->bus.partitions, 4) << text;
  }
}

TEST(ConfigYaml, ADuplicateKeyNamesBothPlaces) {
  EXPECT_EQ(error_of("bus:\n  partitions: 8\n  topic: t\n  partitions: 9\n"),
            "p.yaml:4:3: bus.partitions: duplicate key, first given at line 2, column 3");
  EXPECT_EQ(error_of("data_dir: a\nbus: {partitions: 8}\ndata_dir: b\n"),
            "p.yaml:3:1: data_dir: duplicate key, first given at line 1, column 1");
  // A section given twice would otherwise drop every option of the first.
  EXPECT_EQ(error_of("bus:\n  partitions: 8\nsource:\n  records: 5\nbus:\n  topic: t\n"),
            "p.yaml:5:1: bus: duplicate key, first given at line 1, column 1");
  // Quoting does not make a key different; flow mappings are checked too.
  EXPECT_EQ(error_of("bus: {topic: a, \"topic\": b}\n"),
            "p.yaml:1:17: bus.topic: duplicate key, first given at line 1, column 7");
}

TEST(ConfigYaml, DuplicateKeysInsideListsAreFound) {
  // The pipeline spec's transforms are lists of mappings: a key twice there is named by its index.
  auto node = parse_config_yaml("transforms:\n  - parse: json\n  - map: {id: /id, id: /x}\n", "p.yaml");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().message, "p.yaml:3:20: transforms[1].map.id: duplicate key, first given at line 3, column 11");
  // The same key in different mappings (list items, nested sections) is fine.
  auto fine = parse_config_yaml("a:\n  - {x: 1}\n  - {x: 2}\nb:\n  x: 3\nx: 4\n", "p.yaml");
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  EXPECT_EQ((*fine)["x"].as<int>(), 4);
}

TEST(ConfigYaml, ComplexKeysDoNotConfuseTheWalk) {
  // A list as a key, then a key seen again after it: the walk must still be in step.
  auto node = parse_config_yaml("? [a, b]\n: 1\nc: 2\nc: 3\n", "p.yaml");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().message, "p.yaml:4:1: c: duplicate key, first given at line 3, column 1");
}

TEST(ConfigYaml, LongValuesAreCutInMessages) {
  const std::string huge(1024 * 1024, '7');
  const std::string shown = huge.substr(0, kMessageValueLimit) + "... (1048576 bytes)";
  EXPECT_EQ(error_of("source:\n  records: x" + huge + "\n"),
            "p.yaml:2:12: source.records: expected an integer, got 'x" + huge.substr(0, kMessageValueLimit - 1) +
                "... (1048577 bytes)'");
  EXPECT_EQ(error_of("source:\n  malformed_ratio: " + huge + "\n"),
            "p.yaml:2:20: source.malformed_ratio: expected a number, got '" + shown + "'");
  EXPECT_EQ(error_of("store:\n  sync: " + huge + "\n"),
            "p.yaml:2:9: store.sync: '" + shown + "' is not one of: full, normal");
  // A huge unknown key (explicit: YAML limits implicit keys to 1024 characters):
  // cut, and found unknown at once (no suggestion is that far off).
  const std::string key(1024 * 1024, 'k');
  EXPECT_EQ(error_of("bus:\n  ? " + key + "\n  : 1\n"),
            "p.yaml:2:5: bus." + key.substr(0, kMessageValueLimit - 4) + "... (1048580 bytes): unknown key");
  EXPECT_EQ(error_of("bus:\n  ? " + key + "\n  : 1\n  ? " + key + "\n  : 2\n"),
            "p.yaml:4:5: bus." + key.substr(0, kMessageValueLimit - 4) +
                "... (1048580 bytes): duplicate key, first given at line 2, column 5");
  Config config = default_config();
  EXPECT_EQ(set_config_option(config, "bus.partitions=" + huge).message(),
            "--set: bus.partitions: expected an integer, got '" + shown + "'");
  EXPECT_EQ(set_config_option(config, key).message(),
            "--set " + key.substr(0, kMessageValueLimit) + "... (1048576 bytes): expected KEY=VALUE");
}

TEST(ConfigYaml, CutKeepsShortTextAndWholeCharacters) {
  EXPECT_EQ(cut_for_message("short"), "short");
  EXPECT_EQ(cut_for_message(std::string(200, 'a')), std::string(200, 'a'));
  EXPECT_EQ(cut_for_message("abcdef", 3), "abc... (6 bytes)");
  // "é" is two bytes: a cut inside it keeps the character out rather than half of it.
  EXPECT_EQ(cut_for_message("ab\xC3\xA9z", 3), "ab... (5 bytes)");
  EXPECT_EQ(cut_for_message("ab\xC3\xA9z", 4), "ab\xC3\xA9... (5 bytes)");
}

}  // namespace
}  // namespace kascade
