# tests/layers/test_check_layers.py: scripts/check-layers passes on the real tree and names every upward include planted in a copy.
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("KASCADE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
CHECK = SOURCE_DIR / "scripts" / "check-layers"


def check(root):
    done = subprocess.run([sys.executable, str(CHECK), "--root", str(root)], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout


@pytest.fixture
def tree(tmp_path):
    """A copy of src/ and ARCHITECTURE.md, to plant includes in."""
    shutil.copytree(SOURCE_DIR / "src", tmp_path / "src")
    shutil.copy(SOURCE_DIR / "ARCHITECTURE.md", tmp_path / "ARCHITECTURE.md")
    return tmp_path


def plant(tree, rel, include, after="#pragma once"):
    """Adds `#include "<include>"` to src/<rel> (creating it if absent) and returns its line number."""
    path = tree / "src" / rel
    lines = path.read_text().split("\n") if path.exists() else ["// " + rel, ""]
    at = lines.index(after) + 1 if after in lines else len(lines)
    lines.insert(at, '#include "{}"'.format(include))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return at + 1


def test_the_real_tree_passes():
    code, out = check(SOURCE_DIR)
    assert code == 0, out
    assert "none upward" in out


def test_a_copy_passes_until_an_upward_include_is_planted(tree):
    assert check(tree)[0] == 0
    line = plant(tree, "core/text.h", "app/commands.h")
    code, out = check(tree)
    assert code == 1
    assert "src/core/text.h:{}: includes app/commands.h (layer app) from layer core".format(line) in out.splitlines()


def test_each_boundary_the_tree_once_crossed_is_caught(tree):
    planted = [
        ("sinks/sink.h", "process/windows/window_plan.h", "layer transforms) from layer edges"),
        ("process/transforms/program.h", "process/processor.h", "layer process) from layer transforms"),
        ("bus/kafka/tests/kafka_bus_test.cc", "process/processor.h", "layer process) from layer edges (a test)"),
    ]
    lines = [(rel, include, plant(tree, rel, include, after="#include <gtest/gtest.h>"), what)
             for rel, include, what in planted]
    code, out = check(tree)
    assert code == 1
    for rel, include, line, what in lines:
        assert "src/{}:{}: includes {} ({}".format(rel, line, include, what) in out, out
    assert len(out.splitlines()) == len(planted), out


def test_tests_may_include_testing_and_product_code_may_not(tree):
    plant(tree, "bus/tests/partitioner_test.cc", "testing/users_reference/users_mapping.h", after="")
    assert check(tree)[0] == 0
    line = plant(tree, "bus/bus.h", "testing/temp_dir.h")
    code, out = check(tree)
    assert code == 1
    assert out.splitlines() == ["src/bus/bus.h:{}: includes testing/temp_dir.h (layer testing) from layer edges".format(line)]


def test_relative_includes_are_resolved(tree):
    line = plant(tree, "core/relative.h", "../app/commands.h")
    code, out = check(tree)
    assert code == 1
    assert "src/core/relative.h:{}: includes ../app/commands.h (layer app) from layer core".format(line) in out


def test_a_folder_in_no_layer_fails(tree):
    plant(tree, "newmodule/thing.h", "core/result.h")
    code, out = check(tree)
    assert code == 1
    assert "src/newmodule/thing.h: its folder is in no layer" in out


def test_the_architecture_table_must_be_the_scripts(tree):
    doc = tree / "ARCHITECTURE.md"
    doc.write_text(doc.read_text().replace("| 0 | core |", "| 0 | basics |"))
    code, out = check(tree)
    assert code == 1
    assert "ARCHITECTURE.md: the layer table differs from scripts/check-layers" in out
