"""Automatic assignment of a session's missions (or a selection of them),
run in the background: read what the rules need (missions.auto_data), hand
it to the solver (missions.solver), store its proposal as a diff against the
assignments in place (missions.auto_proposal), with its progress, objective,
bound and gap on the run. Applying it: missions.auto_apply.

Status: queued → running → done → applied | discarded; queued or running →
failed (AUTO_RUN_TRANSITIONS), every move audited.

Applying runs in the background too (`apply_request` → `execute_apply` →
missions.auto_apply.run_apply): thousands of lines, each checked again, take
longer than a request may last. The request is kept on the done run until
the worker applies it, fails (its error kept, the request cleared) or is
found gone (`apply_fail_if_stale`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import User
from imagin.audit import audit_log
from imagin.workflow import apply_transition
from missions.auto_apply import REQUESTED_AT, REQUESTED_BY, apply_pending, run_apply
from missions.auto_data import WEIGHT_NAMES, load, problem, selection
from missions.auto_proposal import proposal, unstaffable
from missions.models import (
    AUTO_RUN_TRANSITIONS,
    AssignmentRun,
    ExamSession,
    Mission,
    ProposalLine,
    RunStatus,
)
from missions.solver import check_solution, solve

logger = logging.getLogger(__name__)

# The solver's time limit: the answer found by then, with its bound and gap.
TIME_LIMIT = 120.0
THREADS = 2
# A run still queued or running this long after it was queued or started has
# lost its worker: the solver's limit, plus reading, saving and waiting for a
# busy worker, with room to spare.
STALE_AFTER = timedelta(seconds=TIME_LIMIT) + timedelta(minutes=15)


def run_start(
    *,
    session: ExamSession,
    by: User,
    weights: dict[str, int],
    division_max: int | None = None,
    missions: list[Mission] | None = None,
) -> AssignmentRun:
    """Record a run and hand it to the background worker once committed."""
    chosen = list(missions or [])
    if any(m.exam.session_id != session.pk for m in chosen):
        raise ValidationError(
            _("Ces missions n'appartiennent pas toutes à la session.")
        )
    with transaction.atomic():
        run = AssignmentRun.objects.create(
            session=session,
            weights={name: int(weights[name]) for name in WEIGHT_NAMES},
            division_max=division_max,
            created_by=by,
        )
        run.missions.set(chosen)
        audit_log(
            actor=by,
            action="missions.auto_assignment.started",
            target=run,
            to_status=run.status,
            data={
                "session": str(session),
                "missions": len(chosen),
                "weights": run.weights,
                "division_max": division_max,
            },
        )
        transaction.on_commit(lambda: execute_run.enqueue(run.pk))
    return run


@task()
def execute_run(run_id: int) -> None:
    run_execute(run_id)


def _move(run: AssignmentRun, to_status: str, **data: Any) -> None:
    with transaction.atomic():
        run.refresh_from_db(
            from_queryset=AssignmentRun.objects.select_for_update(), fields=["status"]
        )
        apply_transition(
            run,
            table=AUTO_RUN_TRANSITIONS,
            to_status=to_status,
            by=run.created_by,
            action=f"missions.auto_assignment.{to_status}",
            data=data,
            update_fields=RESULT_FIELDS,
        )


RESULT_FIELDS = (
    "progress",
    "progress_note",
    "objective",
    "cost_parts",
    "bound",
    "gap",
    "solver_status",
    "solver_seconds",
    "places_open",
    "unstaffable",
    "error",
    "started_at",
    "finished_at",
)


def run_fail_if_stale(*, run: AssignmentRun, by: User) -> AssignmentRun:
    """A run whose worker died stays queued or running: once it is older
    than STALE_AFTER (from its start, or its creation while queued), it is
    marked failed, so that its page stops waiting and says to start again."""
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run
    with transaction.atomic():
        locked = AssignmentRun.objects.select_for_update().get(pk=run.pk)
        since = locked.started_at or locked.created_at
        if locked.status not in (RunStatus.QUEUED, RunStatus.RUNNING) or (
            timezone.now() - since < STALE_AFTER
        ):
            run.refresh_from_db()
            return run
        locked.error = _(
            "Le calcul s'est interrompu (le processus de calcul s'est arrêté) ; "
            "relancez l'affectation."
        )
        locked.finished_at = timezone.now()
        apply_transition(
            locked,
            table=AUTO_RUN_TRANSITIONS,
            to_status=RunStatus.FAILED,
            by=by,
            action="missions.auto_assignment.failed",
            data={"error": locked.error, "stale": True},
            update_fields=["error", "finished_at"],
        )
    run.refresh_from_db()
    return run


def _note(run: AssignmentRun, fraction: float, note: str) -> None:
    """Progress, and the step ("reading", "solving", "saving") the page words."""
    run.progress = max(0.0, min(1.0, fraction))
    run.progress_note = note[:200]
    AssignmentRun.objects.filter(pk=run.pk).update(
        progress=run.progress, progress_note=run.progress_note
    )


def run_execute(run_id: int) -> AssignmentRun:
    """The background part: read, solve, store the proposal. A run already
    taken is left alone; a failure is recorded on the run."""
    with transaction.atomic():
        run = AssignmentRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.QUEUED:
            return run
        run.started_at = timezone.now()
        apply_transition(
            run,
            table=AUTO_RUN_TRANSITIONS,
            to_status=RunStatus.RUNNING,
            by=run.created_by,
            action="missions.auto_assignment.running",
            update_fields=["started_at"],
        )
    try:
        _solve(run)
    except Exception as error:  # the manager must see the failure, not a spinner
        logger.exception("Automatic assignment %s failed", run.pk)
        run.error = f"{type(error).__name__}: {error}"
        run.finished_at = timezone.now()
        _move(run, RunStatus.FAILED, error=run.error)
    else:
        run.finished_at = timezone.now()
        _move(
            run,
            RunStatus.DONE,
            objective=run.objective,
            bound=run.bound,
            places_open=run.places_open,
        )
    return run


def _solve(run: AssignmentRun) -> None:
    _note(run, 0.02, "reading")
    snap = load(run.session, selection(run))
    data = problem(snap, run)
    _note(run, 0.1, "solving")

    def progress(_phase: str, fraction: float) -> None:
        _note(run, 0.1 + 0.8 * float(fraction), "solving")

    result = solve(
        data.participants,
        data.missions,
        data.fixed,
        data.weights,
        time_limit=TIME_LIMIT,
        threads=THREADS,
        progress=progress,
    )
    _note(run, 0.92, "saving")
    broken = check_solution(
        data.participants, data.missions, data.fixed, result.assignments, data.weights
    )
    if broken:  # never proposed: the run fails with what was wrong
        raise RuntimeError("; ".join(broken[:10]))
    run.objective = float(result.objective)
    run.bound = float(result.bound)
    run.gap = float(result.gap)
    run.solver_status = str(result.status)[:100]
    run.solver_seconds = float(result.timings.get("total", 0.0))
    run.cost_parts = {
        **{k: float(v) for k, v in result.cost_parts.items()},
        "cost": float(result.cost),
        "big": float(result.big),
    }
    run.places_open = sum(result.unfilled.values())
    chosen = {(p, m) for p, m in result.assignments}
    with transaction.atomic():
        ProposalLine.objects.bulk_create(proposal(run, snap, data, chosen))
        run.unstaffable = unstaffable(snap, data, result.unfilled)
    run.progress = 1.0


# ------------------------------------------------------------------ apply


def apply_request(*, run: AssignmentRun, by: User) -> AssignmentRun:
    """Record the manager's request to apply the proposal (its lines not
    dropped) and hand it to the background worker once committed. Refused
    while one is pending, or once the run is no longer done."""
    with transaction.atomic():
        locked = AssignmentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.DONE:
            raise ValidationError(
                _("Cette proposition n'est plus applicable (%(status)s).")
                % {"status": locked.get_status_display()}
            )
        if apply_pending(locked):
            raise ValidationError(_("L'application de cette proposition est en cours."))
        locked.summary = {
            REQUESTED_BY: by.pk,
            REQUESTED_AT: timezone.now().isoformat(),
        }
        locked.error = ""
        locked.save(update_fields=["summary", "error"])
        audit_log(
            actor=by,
            action="missions.auto_assignment.apply_requested",
            target=locked,
            data={"dropped": locked.lines.filter(dropped=True).count()},
        )
        transaction.on_commit(lambda: execute_apply.enqueue(locked.pk, by.pk))
    run.refresh_from_db()
    return run


@task()
def execute_apply(run_id: int, by_id: int) -> None:
    apply_execute(run_id, by_id)


def apply_execute(run_id: int, by_id: int) -> AssignmentRun:
    """The background part of applying: run_apply, in one transaction, if
    the request is still pending (not abandoned meanwhile); a failure is kept
    on the run and clears the request, so that the manager can apply again."""
    requested = None
    try:
        by = User.objects.get(pk=by_id)
        with transaction.atomic():
            run = AssignmentRun.objects.select_for_update().get(pk=run_id)
            if not apply_pending(run):  # applied, or given up, meanwhile
                return run
            requested = run.summary[REQUESTED_AT]
            run_apply(run=run, by=by)
    except Exception as error:  # the manager must see the failure, not a spinner
        logger.exception("Applying automatic assignment %s failed", run_id)
        text = (
            " ".join(error.messages)
            if isinstance(error, ValidationError)
            else f"{type(error).__name__}: {error}"
        )
        _apply_failed(run_id, by_id, text, requested=requested, stale=False)
    return AssignmentRun.objects.get(pk=run_id)


def _apply_failed(
    run_id: int, by_id: int, error: str, *, requested: str | None, stale: bool
) -> None:
    """Keep the error and clear the request (that one, when given)."""
    with transaction.atomic():
        locked = AssignmentRun.objects.select_for_update().get(pk=run_id)
        if not apply_pending(locked) or (
            requested is not None and locked.summary.get(REQUESTED_AT) != requested
        ):
            return
        locked.error = error
        locked.summary = {
            key: value
            for key, value in locked.summary.items()
            if key not in (REQUESTED_BY, REQUESTED_AT)
        }
        locked.save(update_fields=["summary", "error"])
        audit_log(
            actor=User.objects.filter(pk=by_id).first(),
            action="missions.auto_assignment.apply_failed",
            target=locked,
            data={"error": error, "stale": stale},
        )


def apply_fail_if_stale(*, run: AssignmentRun, by: User) -> AssignmentRun:
    """A request to apply whose worker died stays pending: once older than
    STALE_AFTER it is cleared, with why, so that the page stops waiting and
    the manager can apply again."""
    if not apply_pending(run):
        return run
    requested = str(run.summary.get(REQUESTED_AT) or "")
    when = parse_datetime(requested)
    if when is not None and timezone.now() - when < STALE_AFTER:
        return run
    _apply_failed(
        run.pk,
        by.pk,
        _(
            "L'application ne s'est pas faite (le processus de calcul s'est "
            "arrêté) ; appliquez à nouveau."
        ),
        requested=requested,
        stale=True,
    )
    run.refresh_from_db()
    return run
