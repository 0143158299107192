"""Background work (django-tasks): immediate in development, a database-backed
worker (`manage.py db_worker`) in production.

A task here calls into modules that never import this one: the payment
services enqueue it. The convocation run's task is declared beside its work,
in `claims.runs`, since that work calls the services, which import this module.
"""

from __future__ import annotations

from django_tasks import task

from claims import exports


@task()
def render_payment_batch_recap(batch_id: int) -> None:
    exports.batch_recap_store(batch_id)
