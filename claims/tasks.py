"""Background work (django-tasks): immediate in development, a database-backed
worker (`manage.py db_worker`) in production.

A task here calls into modules that never import this one: the payment
services enqueue it. The convocation run's task is declared beside its work,
in `claims.runs`, since that work calls the services, which import this module.
"""

from __future__ import annotations

from django_tasks import task

from claims import exports, notifications
from claims.models import Claim, PaymentBatch
from claims.selectors import CLAIM_RELATED


@task()
def render_payment_batch_recap(batch_id: int) -> None:
    exports.batch_recap_store(batch_id)


@task()
def send_payment_news(claim_ids: list[int], event: str, batch_id: int) -> None:
    """Tell the participants of these claims about a step of their payment
    batch (`notifications.payment_news`): a thousand e-mails are rendered
    here, in the worker, not in the manager's request."""
    batch = PaymentBatch.objects.get(pk=batch_id)
    claims = (
        Claim.objects.filter(pk__in=claim_ids)
        .select_related(*CLAIM_RELATED)
        .order_by("pk")
    )
    notifications.payment_news(claims, event, batch)
