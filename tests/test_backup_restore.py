"""The restore drill: deploy/backup.sh and deploy/restore.sh, run for real.

A scratch database (a temporary SQLite file; on PostgreSQL, a database of its
own next to the test database) is migrated and given a participant with an
IBAN and a RIB file, backed up, destroyed with the uploaded files, restored;
then the IBAN reads again with the keys kept apart from the backup, and the
RIB is back. Everything runs in subprocesses, as an operator would run it:
these tests never touch the test database.
"""

from __future__ import annotations

import gzip
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent
IBAN = "FR7630006000011234567890189"
RIB = b"%PDF-1.4\n% le RIB de Paul Durand\n%%EOF\n"

CREATE = f"""
from django.core.files.base import ContentFile
from django.utils import timezone
from accounts.models import FinancialFile, User
user = User.objects.create_user(username="drill", first_name="Paul", last_name="Durand")
file = FinancialFile(
    user=user, holder="Paul Durand", iban={IBAN!r}, bic="AGRIFRPP",
    updated_at=timezone.now(),
)
file.rib_document.save("rib.pdf", ContentFile({RIB!r}), save=False)
file.save()
"""
READ = """
from accounts.models import FinancialFile
file = FinancialFile.objects.get(user__username="drill")
print(file.iban)
print(file.rib_document.read().hex())
"""


def site_environment(database_url: str, media_root: Path) -> dict[str, str]:
    """The variables of a production site: its own keys, database and files."""
    environment = {
        name: value
        for name, value in os.environ.items()
        # The browser tests' harness sets DJANGO_ALLOW_ASYNC_UNSAFE; no site does.
        if name != "DJANGO_ALLOW_ASYNC_UNSAFE" and not name.startswith("DATABASE_")
    }
    environment.update(
        DATABASE_URL=database_url,
        # One connection per process, closed when it ends: the scratch
        # PostgreSQL database can then be dropped at once.
        DATABASE_POOL="false",
        CONN_MAX_AGE="0",
        MEDIA_ROOT=str(media_root),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        TASKS_BACKEND="immediate",
        DJANGO_SETTINGS_MODULE="imagin.settings",
        PYTHON=sys.executable,
    )
    return environment


def run(*command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def succeed(*command: str, env: dict[str, str]) -> str:
    done = run(*command, env=env)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def manage(*arguments: str, env: dict[str, str]) -> str:
    return succeed(sys.executable, "manage.py", *arguments, env=env)


def shell(code: str, env: dict[str, str]) -> str:
    # -v 0: without the line on the objects imported automatically.
    return manage("shell", "-v", "0", "-c", code, env=env)


def back_up_destroy_and_restore(env: dict[str, str], backup: Path, destroy) -> str:
    """The drill itself; returns what restore.sh said."""
    media_root = Path(env["MEDIA_ROOT"])
    manage("migrate", "--noinput", "-v0", env=env)
    shell(CREATE, env=env)
    assert [path.read_bytes() for path in media_root.rglob("*.pdf")] == [RIB]

    succeed("deploy/backup.sh", str(backup), env=env)
    manifest = (backup / "manifest.txt").read_text()
    assert "[X] 0001_initial" in manifest and "code commit:" in manifest
    for kept_apart in (env["SECRET_KEY"], env["FIELD_ENCRYPTION_KEYS"]):
        for path in backup.iterdir():
            content = path.read_bytes()
            if path.suffix == ".gz":
                content = gzip.decompress(content)
            assert kept_apart.encode() not in content, path.name

    destroy()
    shutil.rmtree(media_root)
    restored = succeed("deploy/restore.sh", "--yes", str(backup), env=env)

    iban, rib = shell(READ, env=env).split()
    assert iban == IBAN
    assert bytes.fromhex(rib) == RIB
    assert "Migrations: the database matches the code." in restored
    return restored


def test_a_sqlite_site_backed_up_and_destroyed_is_restored_with_its_ibans_and_files(
    tmp_path,
):
    database = tmp_path / "site" / "db.sqlite3"
    database.parent.mkdir()
    env = site_environment(f"sqlite:///{database}", tmp_path / "site" / "media")
    backup = tmp_path / "backup"

    def destroy():
        for path in database.parent.glob("db.sqlite3*"):  # with -wal and -shm
            path.unlink()

    back_up_destroy_and_restore(env, backup, destroy)
    # The IBAN is in the backup encrypted, as in the database.
    assert IBAN.encode() not in (backup / "database.sqlite3").read_bytes()

    # A damaged backup is refused before anything is replaced.
    renamed = (
        "from accounts.models import User; User.objects.update(first_name='Après')"
    )
    shell(renamed, env=env)
    with (backup / "media.tar.gz").open("ab") as archive:
        archive.write(b"\0")
    refused = run("deploy/restore.sh", "--yes", str(backup), env=env)
    assert refused.returncode != 0 and "damaged" in refused.stderr
    read = "from accounts.models import User; print(User.objects.get().first_name)"
    assert shell(read, env=env).strip() == "Après"


def test_a_backup_is_never_written_into_a_folder_that_holds_something(tmp_path):
    env = site_environment(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "media")
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "manifest.txt").write_text("an earlier backup")

    refused = run("deploy/backup.sh", str(tmp_path / "backup"), env=env)

    assert refused.returncode != 0 and "is not empty" in refused.stderr
    assert (tmp_path / "backup" / "manifest.txt").read_text() == "an earlier backup"


def test_a_postgresql_site_backed_up_and_destroyed_is_restored_with_its_ibans_and_files(
    tmp_path, django_db_setup
):
    test_database = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        pytest.skip(
            "PostgreSQL drill: the suite runs on SQLite (DATABASE_URL is not a "
            "postgres:// URL); CI runs it on PostgreSQL."
        )
    missing = [
        tool for tool in ("psql", "pg_dump", "pg_restore") if not shutil.which(tool)
    ]
    if missing:
        pytest.skip(
            f"PostgreSQL drill: {', '.join(missing)} missing (postgresql-client)."
        )
    # Next to the test database, named after it: parallel runs do not collide.
    scratch = f"{test_database['NAME']}_drill"
    user, password = test_database["USER"] or "", test_database["PASSWORD"] or ""
    host, port = test_database["HOST"] or "localhost", test_database["PORT"] or 5432
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user else ""
    env = site_environment(
        f"postgres://{credentials}{host}:{port}/{scratch}", tmp_path / "media"
    )
    admin = {**env, "PGHOST": host, "PGPORT": str(port), "PGDATABASE": "postgres"}
    admin |= {"PGUSER": user} if user else {}
    admin |= {"PGPASSWORD": password} if password else {}

    def psql(statement: str) -> None:
        succeed("psql", "-v", "ON_ERROR_STOP=1", "-q", "-c", statement, env=admin)

    def destroy():
        psql(f'DROP DATABASE "{scratch}"')
        psql(f'CREATE DATABASE "{scratch}"')  # empty, as on a new server

    psql(f'DROP DATABASE IF EXISTS "{scratch}"')
    psql(f'CREATE DATABASE "{scratch}"')
    try:
        back_up_destroy_and_restore(env, tmp_path / "backup", destroy)
        assert (tmp_path / "backup" / "database.dump").read_bytes()[:5] == b"PGDMP"
    finally:
        psql(f'DROP DATABASE IF EXISTS "{scratch}"')
