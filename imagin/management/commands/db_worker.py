"""`manage.py db_worker`: django-tasks-db's worker, writing a heartbeat.

This command takes the place of the library's own (the `imagin` app comes
before `django_tasks_db` in INSTALLED_APPS, and Django runs the first app's
command of a name): same options, same behaviour, plus the heartbeat that
`/health/` reads (imagin/heartbeat.py).
"""

from __future__ import annotations

from django_tasks_db.management.commands import db_worker

from imagin.heartbeat import start_heartbeat


class Command(db_worker.Command):
    help = (
        "Run the background worker (convocation runs, e-mails, PDFs) and "
        "record its heartbeat for /health/."
    )

    def handle(self, *args, **options) -> None:
        heartbeat = start_heartbeat(options["worker_id"])
        try:
            super().handle(*args, **options)
        finally:
            # Ctrl+C and SIGTERM end the library's loop with SystemExit.
            heartbeat.stop()
