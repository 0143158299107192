"""Reminders to participants whose claims are still to complete before their
session's deadline (`manage.py send_claim_reminders`, run daily).

Stages are days before the deadline (`CLAIM_REMINDER_DAYS`, 14 and 3 by
default). A claim gets the reminder of the latest stage reached, at most once
per stage (`ClaimReminder` is unique per claim and stage), so running the
command again, or late, never sends the same reminder twice. Each
participant gets one e-mail listing all their claims due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from claims import flow, notifications, selectors
from claims.models import EDITABLE_BY_PARTICIPANT, Claim, ClaimReminder
from imagin.audit import audit_log_many


@dataclass(frozen=True)
class ReminderReport:
    claims: int = 0
    participants: int = 0
    without_email: int = 0


def _due_stage(deadline: date, today: date) -> int | None:
    """The latest stage reached on `today` (the fewest days left), if any."""
    days_left = (deadline - today).days
    reached = [days for days in settings.CLAIM_REMINDER_DAYS if days_left <= days]
    return min(reached) if reached and days_left >= 0 else None


def send_claim_reminders(*, today: date | None = None) -> ReminderReport:
    """Remind participants of their claims still to complete; idempotent.

    Claims locked by a concurrent run are skipped (it is reminding them).
    E-mails go once the reminders are recorded.
    """
    today = today or timezone.localdate()
    horizon = today + timedelta(days=max(settings.CLAIM_REMINDER_DAYS, default=0))
    with transaction.atomic():
        locked = (
            Claim.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                # Narrows the candidates in the database; each is then
                # checked by the entry's own rule (flow.entry_state), below.
                status__in=EDITABLE_BY_PARTICIPANT,
                assignment__mission__starts_at__lte=timezone.now(),
                assignment__mission__exam__session__claim_deadline__gte=today,
                assignment__mission__exam__session__claim_deadline__lte=horizon,
            )
            .values_list("pk", flat=True)
        )
        claims = list(
            selectors.claims_for_entry()
            .filter(pk__in=list(locked))
            .order_by("assignment__participant_id", "assignment__mission__starts_at")
        )
        sent = set(
            ClaimReminder.objects.filter(claim__in=claims).values_list(
                "claim_id", "days_before"
            )
        )
        due: list[tuple[Claim, int]] = []
        for claim in claims:
            stage = _due_stage(
                claim.assignment.mission.exam.session.claim_deadline, today
            )
            if (
                stage is not None
                and (claim.pk, stage) not in sent
                and not flow.entry_closed_reason(claim)
            ):
                due.append((claim, stage))
        reminded = [
            (claim, stage) for claim, stage in due if claim.assignment.participant.email
        ]
        ClaimReminder.objects.bulk_create(
            ClaimReminder(claim=claim, days_before=stage) for claim, stage in reminded
        )
        audit_log_many(
            actor=None,
            action="claims.claim.reminded",
            targets=[(claim, claim.status) for claim, _stage in reminded],
        )
        grouped = notifications.by_participant(claim for claim, _stage in reminded)
        for participant, theirs in grouped.items():
            deadline = min(
                c.assignment.mission.exam.session.claim_deadline for c in theirs
            )
            notifications.reminder(participant, theirs, deadline)
    return ReminderReport(
        claims=len(reminded),
        participants=len(grouped),
        without_email=len({c.assignment.participant_id for c, _s in due})
        - len(grouped),
    )
