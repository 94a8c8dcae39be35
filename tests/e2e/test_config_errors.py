"""A bad config: exit code 2, and the message names the file, line and key."""
import pytest

from conftest import kascade

CASES = [
    ("unknown key", "bus:\n  topic: users.raw\n  partitons: 4\n", ":3:3: bus.partitons: unknown key (did you mean 'bus.partitions'?)"),
    ("wrong type", "source:\n  records: lots\n", ":2:12: source.records: expected an integer, got 'lots'"),
    ("out of range", "processor:\n  batch_records: 0\n", ":2:18: processor.batch_records: 0 is out of range [1, 1000000]"),
    ("bad choice", "store:\n  sync: sometimes\n", ":2:9: store.sync: 'sometimes' is not one of: full, normal"),
    ("not a mapping", "bus: kafka\n", ":1:1: bus: expected a mapping of options"),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_config_exits_2_naming_file_line_and_key(tmp_path, name, text, expected, command):
    config = tmp_path / "pipeline.yaml"
    config.write_text(text)
    args = ["validate", "-c", config] if command == "validate" else ["run", "-c", config, "--data-dir", tmp_path / "d"]
    result = kascade(*args, check=False)
    assert result.returncode == 2, result
    assert f"{config}{expected}" in result.stderr, result.stderr
    if command == "run":
        assert not (tmp_path / "d").exists(), "a run with a bad config touches nothing"


def test_valid_config_passes_validation(tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("data_dir: /tmp/somewhere\nbus:\n  partitions: 8\nsource:\n  records: 10\n")
    result = kascade("validate", "-c", config)
    assert "ok" in result.stdout


def test_shipped_configs_are_valid():
    import glob
    import os
    from conftest import SOURCE_DIR
    configs = glob.glob(os.path.join(SOURCE_DIR, "configs", "*.yaml"))
    assert configs, "the project ships example configs"
    for config in configs:
        kascade("validate", "-c", config)


def test_a_config_path_that_is_not_a_file_exits_2(tmp_path):
    for command in ("validate", "run"):
        result = kascade(command, "-c", tmp_path, check=False)
        assert result.returncode == 2, result
        assert f"{tmp_path}: cannot read the config file: it is a directory" in result.stderr, result.stderr
        missing = kascade(command, "-c", tmp_path / "missing.yaml", check=False)
        assert missing.returncode == 2, missing
        assert f"{tmp_path / 'missing.yaml'}: cannot read the config file: No such file or directory" in missing.stderr


def test_bad_flags_exit_2(tmp_path):
    negative = kascade("run", "--records", "-5", check=False)
    assert negative.returncode == 2
    assert "--records: -5 is less than 0" in negative.stderr, negative.stderr
    assert kascade("run", "--duration", "soon", "--data-dir", tmp_path, check=False).returncode == 2
    assert kascade("run", "--set", "bus.partitons=3", "--data-dir", tmp_path, check=False).returncode == 2
    assert kascade("no-such-command", check=False).returncode == 2
    assert kascade(check=False).returncode == 2


# Mistakes that YAML lets a lenient reader hide: each is refused, naming where.
HIDDEN = [
    ("empty first document", "---\n---\nbus: {partitions: 2000, bogus_key: 1}\n",
     ":2:1: a second YAML document: a config file holds exactly one"),
    ("later document", "bus:\n  partitions: 8\n---\nbus:\n  partitions: 9\n",
     ":3:1: a second YAML document: a config file holds exactly one"),
    ("duplicate key", "bus:\n  partitions: 8\n  partitions: 9\n",
     ":3:3: bus.partitions: duplicate key, first given at line 2, column 3"),
    ("duplicate section", "bus:\n  partitions: 2000\nsource:\n  records: 5\nbus:\n  topic: t\n",
     ":5:1: bus: duplicate key, first given at line 1, column 1"),
    ("duplicate in the pipeline spec", "table:\n  name: t\n  primary_key: id\n  columns: {id: text, id: int}\n",
     ":4:23: table.columns.id: duplicate key, first given at line 4, column 13"),
]


@pytest.mark.parametrize("name,text,expected", HIDDEN, ids=[c[0] for c in HIDDEN])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_mistake_yaml_could_hide_exits_2(tmp_path, name, text, expected, command):
    config = tmp_path / "pipeline.yaml"
    config.write_text(text)
    args = ["validate", "-c", config] if command == "validate" else ["run", "-c", config, "--data-dir", tmp_path / "d"]
    result = kascade(*args, check=False)
    assert result.returncode == 2, result
    assert f"{config}{expected}" in result.stderr, result.stderr
    assert "ok" not in result.stdout, result.stdout
    if command == "run":
        assert not (tmp_path / "d").exists(), "a run with a bad config touches nothing"


@pytest.mark.parametrize("text", ["", "# nothing but a comment\n", "---\n", "---\n...\n"],
                         ids=["empty", "comment", "one empty document", "one empty document ended"])
def test_a_file_with_one_empty_document_is_the_defaults(tmp_path, text):
    config = tmp_path / "pipeline.yaml"
    config.write_text(text)
    result = kascade("validate", "-c", config)
    assert f"{config}: ok (bus embedded topic 'users.raw'" in result.stdout, result.stdout


def test_an_error_about_a_huge_value_shows_only_its_start(tmp_path):
    huge = "9" * (5 * 1024 * 1024)
    cases = [
        (f"source:\n  records: x{huge}\n",
         f":2:12: source.records: expected an integer, got 'x{huge[:199]}... ({len(huge) + 1} bytes)'"),
        (f"store:\n  sync: {huge}\n",
         f":2:9: store.sync: '{huge[:200]}... ({len(huge)} bytes)' is not one of: full, normal"),
        # A key this long must be explicit ('? key'): YAML limits implicit keys to 1024 characters.
        (f"bus:\n  ? k{huge}\n  : 1\n", f":2:5: bus.k{huge[:195]}... ({len(huge) + 5} bytes): unknown key"),
    ]
    for text, expected in cases:
        config = tmp_path / "pipeline.yaml"
        config.write_text(text)
        result = kascade("validate", "-c", config, check=False, timeout=120)
        assert result.returncode == 2, result.stderr[:1000]
        assert f"{config}{expected}" in result.stderr, result.stderr[:1000]
        assert len(result.stderr) < 2000, f"{len(result.stderr)} bytes of error"
    # A pipeline spec's value: cut as well.
    spec = ("table:\n  name: t\n  primary_key: id\n  columns: {id: text}\n"
            f"transforms:\n  - parse: json\n  - map:\n      id: /id\n      ? {huge}\n      : /x\n")
    config.write_text(spec)
    result = kascade("validate", "-c", config, check=False, timeout=120)
    assert result.returncode == 2, result.stderr[:1000]
    assert f"{config}:9:9: transforms[1].map.{huge[:182]}... ({len(huge) + 18} bytes): unknown column '" \
        in result.stderr, result.stderr[:1000]
    assert len(result.stderr) < 2000, f"{len(result.stderr)} bytes of error"
    # A command-line argument is at most 128 KiB: still far too long for a message.
    long = huge[:100_000]
    flag = kascade("run", "--set", f"bus.partitions={long}", "--data-dir", tmp_path / "d", check=False)
    assert flag.returncode == 2
    assert f"--set: bus.partitions: expected an integer, got '{long[:200]}... ({len(long)} bytes)'" in flag.stderr
    assert len(flag.stderr) < 2000, f"{len(flag.stderr)} bytes of error"
