"""Background work (django-tasks): immediate in development, a database-backed
worker (`manage.py db_worker`) in production."""

from __future__ import annotations

from django_tasks import task

from claims import exports, runs


@task()
def execute_convocation_run(run_id: int) -> None:
    runs.run_execute(run_id)


@task()
def render_payment_batch_recap(batch_id: int) -> None:
    exports.batch_recap_store(batch_id)
