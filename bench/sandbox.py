"""Imported first by each benchmark: Django set up on a throw-away SQLite
database in a temporary folder, e-mails kept in memory, production-like
settings (DEBUG off)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = tempfile.mkdtemp(prefix="imagin-bench-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="imagin.settings",
    DEBUG="false",
    SECRET_KEY="bench-only",
    FIELD_ENCRYPTION_KEYS="dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5MzI=",
    STATIC_MANIFEST="false",
    # The back-office benchmark queues tasks as in production, then times
    # the worker apart.
    TASKS_BACKEND=os.environ.get("BENCH_TASKS_BACKEND", "immediate"),
    # BENCH_DATABASE_URL: an empty database to use instead (e.g. PostgreSQL).
    DATABASE_URL=os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{WORKDIR}/bench.sqlite3"
    ),
    EMAIL_URL="memorymail://",
    MEDIA_ROOT=WORKDIR,
    LOG_LEVEL="WARNING",
    # The back-office benchmark goes through the pages with Django's client.
    ALLOWED_HOSTS="testserver,localhost",
    SECURE_COOKIES="false",
)

import django  # noqa: E402

django.setup()
