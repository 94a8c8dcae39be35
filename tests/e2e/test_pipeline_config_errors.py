"""A bad pipeline spec: `validate` and `run` exit 2, and every problem names the file, line, column and key."""
import pytest

from conftest import kascade

TABLE = """table:
  name: people
  primary_key: id
  columns:
    id: uuid
    name: text
    age: int
transforms:
  - parse: json
"""  # the mistakes below start at line 10

CASES = [
    ("unknown step", "  - mapp: {id: /id}\n  - map: {id: /id}\n",
     ":10:5: transforms[1].mapp: unknown transform 'mapp' (did you mean 'map'?)"),
    ("unknown key", "  - validate: {requird: [/id]}\n  - map: {id: /id}\n",
     ":10:16: transforms[1].validate.requird: unknown key 'requird' (did you mean 'required'?)"),
    ("wrong type", "  - dedupe: {key: /id, window_ms: soon}\n  - map: {id: /id}\n",
     ":10:35: transforms[1].dedupe.window_ms: expected a positive integer (ms)"),
    ("unknown function", "  - map:\n      id: /id\n      name: lowr(/name)\n",
     ":12:13: transforms[1].map.name: at character 1: unknown function 'lowr' (did you mean 'lower'?)"),
    ("unknown column", "  - map:\n      id: /id\n      nme: /name\n",
     ":12:7: transforms[1].map.nme: unknown column 'nme' (did you mean 'name'?) of table 'people'"),
    ("bad pointer", "  - validate: {required: [name]}\n  - map: {id: /id}\n",
     ":10:27: transforms[1].validate.required: bad JSON pointer 'name': a JSON pointer starts with '/'"),
    ("bad regex", "  - validate:\n      patterns: {/name: '[a-'}\n  - map: {id: /id}\n",
     ":11:25: transforms[1].validate.patterns./name: bad regular expression '[a-'"),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_pipeline_exits_2_naming_file_line_and_key(tmp_path, name, text, expected, command):
    config = tmp_path / "pipeline.yaml"
    config.write_text(TABLE + text)
    args = ["validate", "-c", config] if command == "validate" else ["run", "-c", config, "--data-dir", tmp_path / "d"]
    result = kascade(*args, check=False)
    assert result.returncode == 2, result
    assert f"{config}{expected}" in result.stderr, result.stderr
    if command == "run":
        assert not (tmp_path / "d").exists(), "a run with a bad pipeline touches nothing"


def test_validate_reports_every_problem_of_the_spec(tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(TABLE + "  - validate: {types: {/a: strng}}\n  - map:\n      id: /id\n      nam: /name\n"
                              "      age: foo(/age)\n")
    result = kascade("validate", "-c", config, check=False)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("kascade validate: ")]
    assert len(lines) == 3, result.stderr
    assert f"{config}:10:28: transforms[1].validate.types./a: unknown type 'strng' (did you mean 'string'?)" in lines[0]
    assert "transforms[2].map.nam: unknown column 'nam'" in lines[1]
    assert "transforms[2].map.age: at character 1: unknown function 'foo'" in lines[2]


def test_shipped_pipelines_validate():
    import os
    from conftest import SOURCE_DIR
    for name in ["flagship.yaml", "seed-compat.yaml"]:
        result = kascade("validate", "-c", os.path.join(SOURCE_DIR, "configs", name))
        assert "ok" in result.stdout and "table" in result.stdout, result.stdout
