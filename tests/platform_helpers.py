"""What the platform tests share: reading a response's cache headers, and
running Django in a fresh process with production-like variables."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5MzI=",
    "ALLOWED_HOSTS": "imagin.ac-demo.fr",
    "CSRF_TRUSTED_ORIGINS": "https://imagin.ac-demo.fr",
    "SITE_URL": "https://imagin.ac-demo.fr",
    "SECURE_SSL_REDIRECT": "true",
    "BEHIND_TLS_PROXY": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def run_django(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CACHE_", "DATABASE_"))
        # The browser tests' harness sets DJANGO_ALLOW_ASYNC_UNSAFE for
        # Playwright; production never does (check --deploy: async.E001).
        and key
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="imagin.settings")
    clean.setdefault("FIELD_ENCRYPTION_KEYS", PRODUCTION["FIELD_ENCRYPTION_KEYS"])
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_stored_task(stored, worker_id: str = "worker-1") -> None:
    """Run one task of the database queue as production's worker does: claimed
    (unless a test claimed it already), then executed by django-tasks-db's
    Worker (in this process)."""
    from django_tasks_db.management.commands.db_worker import Worker

    if stored.status == "READY":
        stored.claim(worker_id)
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run_task(stored)
