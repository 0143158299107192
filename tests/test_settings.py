"""The settings module refuses unsafe or unknown configurations at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _start_django(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "CURRENCY",
            "TRAVEL_RATE_ZONE",
            "DATABASE_URL",
            "FIELD_ENCRYPTION_KEYS",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="imagin.settings")
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('pool'))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _start_django(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_mode_starts_with_its_own_key():
    result = _start_django(DEBUG="true")
    assert result.returncode == 0, result.stderr


KEY = "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5MzI="


def test_production_mode_starts_with_its_secrets():
    result = _start_django(
        DEBUG="false",
        SECRET_KEY="a-real-secret-from-the-vault",
        FIELD_ENCRYPTION_KEYS=KEY,
    )
    assert result.returncode == 0, result.stderr


def test_production_mode_refuses_to_start_without_an_encryption_key():
    result = _start_django(DEBUG="false", SECRET_KEY="a-real-secret-from-the-vault")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_an_unknown_currency_is_refused():
    result = _start_django(DEBUG="true", CURRENCY="USD")
    assert result.returncode != 0
    assert "CURRENCY must be EUR or XPF" in result.stderr


def test_an_unknown_travel_rate_zone_is_refused():
    result = _start_django(DEBUG="true", TRAVEL_RATE_ZONE="mars")
    assert result.returncode != 0
    assert "TRAVEL_RATE_ZONE must be mainland, pacific or wallis" in result.stderr


def test_postgresql_urls_use_the_psycopg_connection_pool():
    result = _start_django(
        DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/imagin"
    )
    assert result.returncode == 0, result.stderr
    assert "min_size" in result.stdout


def test_an_sqlite_file_is_shared_safely_between_processes(tmp_path):
    """WAL (readers never wait for the writer) and a busy timeout (a writer
    waits for the other rather than failing), as `make run` has several."""
    code = (
        "import django; django.setup(); from django.db import connection;"
        "cursor = connection.cursor();"
        "print(cursor.execute('PRAGMA journal_mode').fetchone()[0],"
        " cursor.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "imagin.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000"]


def test_former_secret_keys_are_read_for_a_rotation():
    from tests.platform_helpers import run_django

    done = run_django(
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.SECRET_KEY_FALLBACKS)",
        DEBUG="false",
        SECRET_KEY="n" * 50,
        SECRET_KEY_FALLBACKS="old-one,older-one",
    )
    assert done.stdout.strip() == "['old-one', 'older-one']", done.stderr


def test_sessions_are_read_through_a_shared_memory_cache_only():
    """A Redis or memcached cache, which every process shares, serves the
    sessions in front of the database; the database cache and a process's
    own memory never do (a sign-out on one process would not reach another's
    copy)."""
    from tests.platform_helpers import run_django

    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.SESSION_ENGINE.rsplit('.', 1)[1])"
    )
    engines = {
        url: run_django(code, DEBUG="false", SECRET_KEY="s" * 50, CACHE_URL=url)
        for url in (
            "redis://127.0.0.1:6379/0",
            "pymemcache://127.0.0.1:11211",
            "dbcache://imagin_cache",
            "locmemcache://",
        )
    }
    assert {url: done.stdout.strip() for url, done in engines.items()} == {
        "redis://127.0.0.1:6379/0": "cached_db",
        "pymemcache://127.0.0.1:11211": "cached_db",
        "dbcache://imagin_cache": "db",
        "locmemcache://": "db",
    }, [done.stderr for done in engines.values()]
