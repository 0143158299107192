"""Writes on missions: assignments and their convocation status.

Each service takes the acting user, runs in one transaction on a locked row,
checks the transition table and appends an audit event.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from imagin.audit import audit_log
from imagin.workflow import apply_transition
from missions.models import (
    CONVOCATION_TRANSITIONS,
    Assignment,
    ConvocationStatus,
    Mission,
)


def assignment_create(
    *, mission: Mission, participant: User, by: User, override_reason: str = ""
) -> Assignment:
    """Assign `participant` to `mission`, or re-assign a withdrawn assignment.

    Returns the existing assignment unchanged when it is already active, so
    calling it twice never assigns anyone twice.
    """
    with transaction.atomic():
        assignment, created = Assignment.objects.select_for_update().get_or_create(
            mission=mission,
            participant=participant,
            defaults={"override_reason": override_reason},
        )
        if created:
            audit_log(
                actor=by,
                action="missions.assignment.created",
                target=assignment,
                to_status=assignment.status,
                data={"override_reason": override_reason} if override_reason else {},
            )
        elif assignment.status == ConvocationStatus.WITHDRAWN:
            assignment.override_reason = override_reason
            apply_transition(
                assignment,
                table=CONVOCATION_TRANSITIONS,
                to_status=ConvocationStatus.ASSIGNED,
                by=by,
                action="missions.assignment.reassigned",
                update_fields=["override_reason"],
            )
        return assignment


def assignment_convoke(*, assignment: Assignment, by: User) -> Assignment:
    """Mark an assigned participant as convoked (part of an official run).

    Raises TransitionNotAllowed unless the assignment is ASSIGNED. The claim
    that a convocation opens is created by the claims app, which calls this.
    """
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        locked.convoked_at = timezone.now()
        apply_transition(
            locked,
            table=CONVOCATION_TRANSITIONS,
            to_status=ConvocationStatus.CONVOKED,
            by=by,
            action="missions.convocation.issued",
            update_fields=["convoked_at"],
        )
        return locked
