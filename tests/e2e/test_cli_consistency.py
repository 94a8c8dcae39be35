"""One command line: --format json is one JSON document everywhere, --set wherever a config is read,
`process --until-caught-up`, exit codes after signals, every failing field in a validation dead letter,
`cql -c` and `-f`, paths relative to the config file, read-only stores, and scripts/services' exit codes."""
import os
import subprocess

from conftest import SOURCE_DIR


def test_services_unknown_name_exits_2(tmp_path):
    """An unknown service name is a usage error (exit 2) for every action, and nothing is started."""
    env = dict(os.environ, KASCADE_SERVICES_DIR=str(tmp_path / "services"))
    for action in ("start", "stop", "status"):
        result = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "services"), action, "bogus"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, (action, result)
        assert "unknown service 'bogus'" in result.stderr
