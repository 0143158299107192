"""Applying an automatic assignment's proposal, locking assignments, and the
words of its reasons.

`run_apply` works in one transaction on locked rows (the run, the people,
the assignments it replaces). Every line is checked again as the assignment
page would (missions.rules.refusal_reasons, the mission's places, the
person's maximum for the session): a line no longer valid is skipped with
its reason, the others applied. It creates automatic assignments, and
withdraws only automatic, unlocked, not convoked ones; manual, locked and
convoked assignments are never touched. One audit event for the run, one per
assignment created, moved or withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from imagin.audit import audit_log
from imagin.workflow import apply_transition
from missions import rules
from missions.auto_data import AUTOMATIC, UNLIMITED
from missions.models import (
    AUTO_RUN_TRANSITIONS,
    CONVOCATION_TRANSITIONS,
    Assignment,
    AssignmentRun,
    ConvocationStatus,
    LineKind,
    Mission,
    ProposalLine,
    RunStatus,
    SessionWish,
)
from missions.rules import ACTIVE

# A request to apply the proposal the background worker has not carried out
# yet (missions.auto_assignment.apply_request): who asked (a user's id) and
# when (ISO), kept in the run's summary until run_apply replaces it with its
# counts. Meanwhile the proposal is neither changed nor discarded.
REQUESTED_BY = "requested_by"
REQUESTED_AT = "requested_at"


def apply_pending(run: AssignmentRun) -> bool:
    return run.status == RunStatus.DONE and REQUESTED_AT in (run.summary or {})


class Refused(Exception):
    """A line no longer valid: its reason, and its savepoint rolled back."""


def _still_decidable(previous: Assignment | None) -> str:
    if previous is None:
        return _("l'affectation remplacée n'existe plus")
    if previous.origin != AUTOMATIC:
        return _("l'affectation remplacée est devenue manuelle")
    if previous.locked:
        return _("l'affectation remplacée a été verrouillée")
    if previous.status == ConvocationStatus.CONVOKED:
        return _("l'intervenant a été convoqué entre-temps")
    if previous.status != ConvocationStatus.ASSIGNED:
        return _("l'affectation remplacée a été retirée")
    return ""


def _maximum(run: AssignmentRun, participant: User) -> int:
    wish = SessionWish.objects.filter(participant=participant, session=run.session)
    declared = wish.values_list("max_missions", flat=True).first()
    limits = [n for n in (declared, run.division_max) if n is not None]
    return min(limits, default=UNLIMITED)


def _check_add(run: AssignmentRun, line: ProposalLine) -> None:
    mission, participant = line.mission, line.participant
    if not participant.is_active:
        raise Refused(_("le compte de l'intervenant est désactivé"))
    active = Assignment.objects.filter(status__in=ACTIVE)
    if active.filter(mission=mission, participant=participant).exists():
        raise Refused(_("l'intervenant est déjà affecté(e) à cette mission"))
    reasons = rules.refusal_reasons(mission, participant)
    if reasons:
        raise Refused("; ".join(reasons))
    if active.filter(mission=mission).count() >= mission.staffing_need:
        raise Refused(_("la mission est déjà complète"))
    load = active.filter(
        participant=participant, mission__exam__session_id=run.session_id
    ).count()
    if load >= _maximum(run, participant):
        raise Refused(_("l'intervenant a atteint son maximum de missions"))


def _withdraw(run: AssignmentRun, assignment: Assignment, by: User) -> None:
    apply_transition(
        assignment,
        table=CONVOCATION_TRANSITIONS,
        to_status=ConvocationStatus.WITHDRAWN,
        by=by,
        action="missions.assignment.withdrawn",
        data={"run": run.pk, "origin": AUTOMATIC},
    )


def _add(run: AssignmentRun, line: ProposalLine, by: User) -> Assignment:
    data = {"run": run.pk, "origin": AUTOMATIC}
    existing = Assignment.objects.filter(
        mission=line.mission, participant=line.participant
    ).first()
    if existing is None:
        assignment = Assignment.objects.create(
            mission=line.mission, participant=line.participant, origin=AUTOMATIC
        )
        audit_log(
            actor=by,
            action="missions.assignment.created",
            target=assignment,
            to_status=assignment.status,
            data=data,
        )
        return assignment
    # Withdrawn earlier (_check_add refused an active one): made again.
    existing.origin, existing.locked, existing.override_reason = AUTOMATIC, False, ""
    apply_transition(
        existing,
        table=CONVOCATION_TRANSITIONS,
        to_status=ConvocationStatus.ASSIGNED,
        by=by,
        action="missions.assignment.reassigned",
        data=data,
        update_fields=["origin", "locked", "override_reason"],
    )
    return existing


def _release(run: AssignmentRun, line: ProposalLine, by: User) -> None:
    """First pass: withdraw what a moved or withdrawn line replaces."""
    why = _still_decidable(line.previous)
    if why:
        raise Refused(why)
    assert line.previous is not None  # _still_decidable said so
    _withdraw(run, line.previous, by)


def _take(run: AssignmentRun, line: ProposalLine, by: User) -> None:
    """Second pass: add a person, checked again, in its own savepoint. A move
    refused here gives the person their previous mission back if it still has
    room."""
    try:
        with transaction.atomic():
            _check_add(run, line)
            _add(run, line, by)
    except Refused as why:
        if line.kind == LineKind.MOVED and line.previous is not None:
            previous = line.previous
            # Its place may have gone to another line meanwhile: a mission
            # never gets more people than it needs, so the person then stays
            # withdrawn, and the reason says so.
            taken = Assignment.objects.filter(
                mission_id=previous.mission_id, status__in=ACTIVE
            ).count()
            if taken >= previous.mission.staffing_need:
                raise Refused(
                    _(
                        "%(why)s ; sa mission précédente est désormais complète : "
                        "l'intervenant n'y est plus affecté(e)"
                    )
                    % {"why": why}
                ) from why
            apply_transition(
                previous,
                table=CONVOCATION_TRANSITIONS,
                to_status=ConvocationStatus.ASSIGNED,
                by=by,
                action="missions.assignment.reassigned",
                data={"run": run.pk, "origin": AUTOMATIC},
            )
        raise


def _give_back(
    run: AssignmentRun, lines: list[ProposalLine], refused: dict[int, str], by: User
) -> None:
    """After the additions: a withdrawal that made room for a replacement
    which did not happen (refused, or dropped by the manager) is undone while
    its mission has a free place, so that no mission silently loses its
    person. The line then reads refused with why."""
    missing: dict[int, int] = {}
    for line in lines:
        if line.kind in (LineKind.ADDED, LineKind.MOVED) and line.pk in refused:
            missing[line.mission_id] = missing.get(line.mission_id, 0) + 1
    dropped = run.lines.filter(
        dropped=True, kind__in=[LineKind.ADDED, LineKind.MOVED]
    ).values_list("mission_id", flat=True)
    for mission_id in dropped:
        missing[mission_id] = missing.get(mission_id, 0) + 1
    for line in lines:
        if line.kind != LineKind.WITHDRAWN or line.pk in refused:
            continue
        if not missing.get(line.mission_id) or line.previous is None:
            continue
        taken = Assignment.objects.filter(
            mission_id=line.mission_id, status__in=ACTIVE
        ).count()
        if taken >= line.mission.staffing_need:
            continue
        apply_transition(
            line.previous,
            table=CONVOCATION_TRANSITIONS,
            to_status=ConvocationStatus.ASSIGNED,
            by=by,
            action="missions.assignment.reassigned",
            data={"run": run.pk, "origin": AUTOMATIC, "restored": True},
        )
        missing[line.mission_id] -= 1
        refused[line.pk] = _("remis(e) : son remplaçant n'a pas pu être affecté")


def run_apply(
    *, run: AssignmentRun, by: User, dropped_line_ids: Iterable[int] = ()
) -> dict[str, int]:
    """Apply the run's lines but the dropped ones, in one transaction."""
    with transaction.atomic():
        locked = AssignmentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.DONE:
            raise ValidationError(
                _("Cette proposition n'est plus applicable (%(status)s).")
                % {"status": locked.get_status_display()}
            )
        dropped = {int(pk) for pk in dropped_line_ids}
        if dropped:
            locked.lines.filter(pk__in=dropped).update(dropped=True)
        lines = list(
            locked.lines.filter(dropped=False)
            .exclude(kind=LineKind.UNCHANGED)
            .select_related("participant", "mission", "previous")
            .order_by("pk")
        )
        # The people first (as assignment_create does), then the assignments
        # replaced: another manager's change waits, or is seen.
        list(
            User.objects.select_for_update()
            .filter(pk__in={line.participant_id for line in lines})
            .order_by("pk")
        )
        # Then the missions the lines add to or leave, so that two applies
        # (or two runs) never both count the same free place; the
        # assignments last. Always in this order, each by pk: no deadlock.
        touched = {line.mission_id for line in lines} | {
            line.previous.mission_id for line in lines if line.previous is not None
        }
        list(
            Mission.objects.select_for_update()
            .filter(pk__in=touched)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        previous = {line.previous_id for line in lines if line.previous_id}
        fresh = {
            a.pk: a
            for a in Assignment.objects.select_for_update()
            .filter(pk__in=previous)
            .order_by("pk")
        }
        # Withdrawals and moves' departures first: they free places and load.
        refused: dict[int, str] = {}
        for line in lines:
            line.previous = fresh.get(line.previous_id) if line.previous_id else None
            if line.kind in (LineKind.MOVED, LineKind.WITHDRAWN):
                try:
                    _release(locked, line, by)
                except Refused as why:
                    refused[line.pk] = str(why)
        for line in lines:
            if line.kind in (LineKind.MOVED, LineKind.ADDED) and line.pk not in refused:
                try:
                    _take(locked, line, by)
                except Refused as why:
                    refused[line.pk] = str(why)
        _give_back(locked, lines, refused, by)
        for line in lines:
            line.skipped_reason = refused.get(line.pk, "")
            line.applied = line.pk not in refused
        summary = {
            "applied": len(lines) - len(refused),
            "skipped": len(refused),
            "dropped": 0,
        }
        ProposalLine.objects.bulk_update(lines, ["applied", "skipped_reason"])
        summary["dropped"] = locked.lines.filter(dropped=True).count()
        locked.summary = summary
        locked.applied_by, locked.applied_at = by, timezone.now()
        apply_transition(
            locked,
            table=AUTO_RUN_TRANSITIONS,
            to_status=RunStatus.APPLIED,
            by=by,
            action="missions.auto_assignment.applied",
            data=summary,
            update_fields=["summary", "applied_by", "applied_at"],
        )
    run.refresh_from_db()
    return summary


def run_discard(*, run: AssignmentRun, by: User) -> None:
    with transaction.atomic():
        locked = AssignmentRun.objects.select_for_update().get(pk=run.pk)
        if apply_pending(locked):
            raise ValidationError(_("L'application de cette proposition est en cours."))
        apply_transition(
            locked,
            table=AUTO_RUN_TRANSITIONS,
            to_status=RunStatus.DISCARDED,
            by=by,
            action="missions.auto_assignment.discarded",
        )
    run.refresh_from_db()


def lines_set_dropped(
    *, run: AssignmentRun, shown: set[int], dropped: set[int], by: User
) -> None:
    """The lines of a page of the proposal the manager keeps or drops
    (unchanged lines are never dropped: there is nothing to apply)."""
    with transaction.atomic():
        locked = AssignmentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.DONE or apply_pending(locked):
            raise ValidationError(_("Cette proposition n'est plus modifiable."))
        lines = locked.lines.exclude(kind=LineKind.UNCHANGED)
        kept = lines.filter(pk__in=shown - dropped, dropped=True).update(dropped=False)
        put_aside = lines.filter(pk__in=shown & dropped, dropped=False).update(
            dropped=True
        )
        if kept or put_aside:
            audit_log(
                actor=by,
                action="missions.auto_assignment.lines_dropped",
                target=locked,
                data={
                    "dropped": put_aside,
                    "kept": kept,
                    "total": locked.lines.filter(dropped=True).count(),
                },
            )


def assignment_lock(*, assignment: Assignment, by: User, locked: bool) -> Assignment:
    """Keep an assignment as it is through automatic assignments (or not)."""
    with transaction.atomic():
        row = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if row.locked != locked:
            row.locked = locked
            row.save(update_fields=["locked"])
            audit_log(
                actor=by,
                action="missions.assignment.locked"
                if locked
                else "missions.assignment.unlocked",
                target=row,
            )
    return row


def missions_lock(*, missions: Iterable[Mission], by: User, locked: bool) -> int:
    """Lock (or unlock) every active assignment of the missions, each through
    assignment_lock (audited); how many changed."""
    with transaction.atomic():
        rows = list(
            Assignment.objects.filter(mission__in=list(missions), status__in=ACTIVE)
            .exclude(locked=locked)
            .order_by("pk")
        )
        for assignment in rows:
            assignment_lock(assignment=assignment, by=by, locked=locked)
    return len(rows)


# ------------------------------------------------------------------ words


def line_reason(line: ProposalLine) -> str:
    """« compétent(e) en philosophie, disponible, 2 missions cette session
    (max 4), 12 km, continuité sur l'épreuve, centre souhaité »."""
    facts: dict[str, Any] = line.reason or {}
    if line.kind == LineKind.WITHDRAWN:
        return _("n'est plus retenu(e) par l'affectation automatique")
    parts = [
        _("compétent(e) en %(epreuve)s") % {"epreuve": facts["epreuve"]}
        if facts.get("epreuve")
        else _("sans compétence requise"),
        _("disponible"),
    ]
    load = int(facts.get("load", 0))
    missions = ngettext(
        "%(count)d mission cette session", "%(count)d missions cette session", load
    ) % {"count": load}
    if facts.get("cap") is not None:
        missions += " " + _("(max %(cap)d)") % {"cap": facts["cap"]}
    parts.append(missions)
    parts.append(
        _("%(km)d km") % {"km": facts["km"]}
        if facts.get("km") is not None
        else _("distance inconnue")
    )
    if facts.get("continuity"):
        parts.append(_("continuité sur l'épreuve"))
    if facts.get("preferred"):
        parts.append(_("centre souhaité"))
    return ", ".join(parts)


def unstaffable_reason(item: dict[str, Any]) -> str:
    """« 3 intervenants compétents en philosophie disponibles le 5 juillet
    pour 5 places »."""
    day = date_format(date.fromisoformat(item["day"]), "j F Y")
    values = {
        "count": item["eligible"],
        "epreuve": item.get("epreuve") or "",
        "day": day,
        "places": item["places"],
    }
    if item.get("epreuve"):
        text = ngettext(
            "%(count)d intervenant compétent en %(epreuve)s disponible le %(day)s "
            "pour %(places)d place(s)",
            "%(count)d intervenants compétents en %(epreuve)s disponibles le "
            "%(day)s pour %(places)d place(s)",
            item["eligible"],
        )
    else:
        text = ngettext(
            "%(count)d intervenant disponible le %(day)s pour %(places)d place(s)",
            "%(count)d intervenants disponibles le %(day)s pour %(places)d place(s)",
            item["eligible"],
        )
    text %= values
    if item["eligible"] >= item["places"]:
        text += _(
            ", mais déjà retenus ailleurs à ce moment ou à leur maximum de missions"
        )
    return text
