"""`make run` generates the installation's secrets once, readable by its owner only."""

from __future__ import annotations

import ast
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from imagin import local_secrets
from imagin.local_secrets import ensure


def _values(path) -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if line and not line.startswith("#")
    )


def test_the_secrets_file_is_written_once_with_usable_keys_and_mode_600(tmp_path):
    path = tmp_path / ".secrets.env"
    assert ensure(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = _values(path)
    assert set(values) == {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS"}
    assert len(values["SECRET_KEY"]) >= 50
    Fernet(values["FIELD_ENCRYPTION_KEYS"])  # a valid key, or this raises
    assert ensure(path) is False
    assert _values(path) == values


def test_two_installations_never_share_a_key(tmp_path):
    ensure(tmp_path / "a")
    ensure(tmp_path / "b")
    a, b = _values(tmp_path / "a"), _values(tmp_path / "b")
    assert a["SECRET_KEY"] != b["SECRET_KEY"]
    assert a["FIELD_ENCRYPTION_KEYS"] != b["FIELD_ENCRYPTION_KEYS"]


def test_an_existing_file_others_can_read_is_closed_to_them_and_kept(tmp_path):
    path = tmp_path / ".secrets.env"
    path.write_text("SECRET_KEY=mine\nFIELD_ENCRYPTION_KEYS=kept\n")
    path.chmod(0o644)
    assert ensure(path) is False
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _values(path) == {"SECRET_KEY": "mine", "FIELD_ENCRYPTION_KEYS": "kept"}


def test_the_shell_reads_the_file_as_the_makefile_does(tmp_path):
    path = tmp_path / ".secrets.env"
    ensure(path)
    shown = subprocess.run(
        ["sh", "-c", f'set -a && . "{path}" && set +a && echo "$SECRET_KEY"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert shown == _values(path)["SECRET_KEY"]


def test_it_needs_only_the_standard_library_as_it_runs_before_the_venv_exists():
    source = Path(local_secrets.__file__).read_text()
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - {"__future__"} <= sys.stdlib_module_names
