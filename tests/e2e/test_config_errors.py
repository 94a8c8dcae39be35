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
