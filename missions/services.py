"""Writes on missions: assignments and their convocation status.

Each service takes the acting user, runs in one transaction on a locked row,
checks the transition table and appends an audit event.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from imagin.audit import audit_log
from imagin.workflow import apply_transition
from missions import rules
from missions.models import (
    CONVOCATION_TRANSITIONS,
    Assignment,
    Availability,
    Competence,
    ConvocationStatus,
    Epreuve,
    ExamSession,
    Mission,
)


def assignment_create(
    *, mission: Mission, participant: User, by: User, override_reason: str = ""
) -> Assignment:
    """Assign `participant` to `mission`, or re-assign a withdrawn assignment.

    A participant who breaks a rule (missions.rules) is refused with the
    reasons (ValidationError), unless the manager gives an override reason,
    which is kept on the assignment and in the audit log. Returns the existing
    assignment unchanged when it is already active, so calling it twice never
    assigns anyone twice.
    """
    override_reason = override_reason.strip()
    with transaction.atomic():
        # Lock the participant: two managers assigning them at once must see
        # each other's assignment when checking overlaps and load.
        User.objects.select_for_update().filter(pk=participant.pk).first()
        existing = Assignment.objects.filter(
            mission=mission, participant=participant
        ).first()
        if existing is not None and existing.status != ConvocationStatus.WITHDRAWN:
            return existing
        reasons = rules.refusal_reasons(mission, participant)
        if reasons and not override_reason:
            name = participant.get_full_name() or participant.get_username()
            raise ValidationError([f"{name} {reason}." for reason in reasons])
        kept_reason = override_reason if reasons else ""
        data = {"override_reason": kept_reason, "rules": reasons} if reasons else {}
        if existing is None:
            assignment = Assignment.objects.create(
                mission=mission, participant=participant, override_reason=kept_reason
            )
            audit_log(
                actor=by,
                action="missions.assignment.created",
                target=assignment,
                to_status=assignment.status,
                data=data,
            )
            return assignment
        existing.override_reason = kept_reason
        apply_transition(
            existing,
            table=CONVOCATION_TRANSITIONS,
            to_status=ConvocationStatus.ASSIGNED,
            by=by,
            action="missions.assignment.reassigned",
            data=data,
            update_fields=["override_reason"],
        )
        return existing


def assignment_withdraw(*, assignment: Assignment, by: User) -> Assignment:
    """Take a participant off a mission before they are convoked.

    A convoked participant has a claim: the convocation run is cancelled, or
    the claim cancelled by the exam division, rather than the assignment
    silently removed.
    """
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.status == ConvocationStatus.CONVOKED:
            raise ValidationError(
                _(
                    "Cet intervenant est déjà convoqué : annulez le tirage officiel "
                    "(s'il n'a rien saisi) ou annulez son état de frais."
                )
            )
        apply_transition(
            locked,
            table=CONVOCATION_TRANSITIONS,
            to_status=ConvocationStatus.WITHDRAWN,
            by=by,
            action="missions.assignment.withdrawn",
        )
        return locked


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


def assignment_unconvoke(*, assignment: Assignment, by: User) -> Assignment:
    """Back from convoked to assigned: part of cancelling an official run,
    which removes the claim first (claims.runs.run_cancel)."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        locked.convoked_at = None
        apply_transition(
            locked,
            table=CONVOCATION_TRANSITIONS,
            to_status=ConvocationStatus.ASSIGNED,
            by=by,
            action="missions.convocation.cancelled",
            update_fields=["convoked_at"],
        )
        return locked


def _check_declarations_open(session: ExamSession) -> None:
    closes_on = session.assignment_closes_on
    # Only a session with a closing date ever closes (declarations_open).
    if not session.declarations_open and closes_on is not None:
        raise ValidationError(
            _("Les déclarations de la %(session)s sont closes depuis le %(date)s.")
            % {
                "session": session,
                "date": closes_on.strftime("%d/%m/%Y"),
            }
        )


def competences_save(
    *, participant: User, session: ExamSession, epreuve_ids: set[int], by: User
) -> None:
    """Replace the participant's competences among the session's épreuves."""
    _check_declarations_open(session)
    with transaction.atomic():
        current = set(
            Competence.objects.filter(
                participant=participant, epreuve__exam__session=session
            ).values_list("epreuve_id", flat=True)
        )
        allowed = set(
            Epreuve.objects.filter(
                exam__session=session, pk__in=epreuve_ids
            ).values_list("pk", flat=True)
        )
        added, removed = allowed - current, current - allowed
        Competence.objects.filter(
            participant=participant, epreuve_id__in=removed
        ).delete()
        Competence.objects.bulk_create(
            Competence(participant=participant, epreuve_id=pk) for pk in added
        )
        if added or removed:
            audit_log(
                actor=by,
                action="missions.competences.declared",
                target=participant,
                data={
                    "session": session.pk,
                    "added": sorted(added),
                    "removed": sorted(removed),
                },
            )


def availability_save(
    *,
    participant: User,
    session: ExamSession,
    half_days: set[tuple[date, str]],
    by: User,
) -> None:
    """Replace the participant's available half-days in the session."""
    _check_declarations_open(session)
    with transaction.atomic():
        current = set(
            Availability.objects.filter(
                participant=participant, session=session
            ).values_list("date", "half_day")
        )
        added, removed = half_days - current, current - half_days
        if removed:
            dropped = Q(pk__in=[])
            for day, half in removed:
                dropped |= Q(date=day, half_day=half)
            Availability.objects.filter(
                dropped, participant=participant, session=session
            ).delete()
        Availability.objects.bulk_create(
            (
                Availability(
                    participant=participant, session=session, date=day, half_day=half
                )
                for day, half in added
            ),
            ignore_conflicts=True,
        )
        if added or removed:
            audit_log(
                actor=by,
                action="missions.availability.declared",
                target=participant,
                data={
                    "session": session.pk,
                    "added": sorted(f"{d:%Y-%m-%d}:{h}" for d, h in added),
                    "removed": sorted(f"{d:%Y-%m-%d}:{h}" for d, h in removed),
                },
            )
