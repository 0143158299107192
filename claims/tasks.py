"""Background work (django-tasks): immediate in development, a database-backed
worker (`manage.py db_worker`) in production.

A task here calls into modules that never import this one: the payment
services enqueue it. The convocation run's task is declared beside its work,
in `claims.runs`, since that work calls the services, which import this module.
"""

from __future__ import annotations

from django.utils import translation
from django_tasks import task

from accounts.models import User
from claims import exports, notifications, selectors


@task()
def render_payment_batch_recap(batch_id: int) -> None:
    exports.batch_recap_store(batch_id)


@task()
def approve_claims(
    claim_ids: list[int], manager_id: int, language: str
) -> list[list[object]]:
    """Validate the claims a manager selected (`bulk_review.claims_approve`);
    returns [claim id, validated, text] per claim, in `language` (the
    manager's when they launched it), for the report page."""
    # Imported here: the services import this module (they enqueue its tasks).
    from claims.services.bulk_review import claims_approve

    manager = User.objects.get(pk=manager_id)
    with translation.override(language):
        outcomes = claims_approve(claim_ids=claim_ids, by=manager)
    return [[outcome.claim_id, outcome.ok, outcome.text] for outcome in outcomes]


@task()
def queue_decision_emails(claim_ids: list[int], decision: str) -> None:
    """Render and queue the e-mails of a decision taken on many claims at once
    (`notifications.decisions_queued`), one `send_email` task each."""
    claims = selectors.claims_for_pricing().filter(pk__in=claim_ids).order_by("pk")
    notifications.decisions_queued(list(claims), decision)
