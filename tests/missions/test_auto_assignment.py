"""The automatic assignment's services: the proposal as a diff (added, moved,
unchanged, withdrawn), what it never touches (manual, locked, convoked), the
maxima, and applying it in one transaction with lines made invalid meanwhile
or dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagin.audit import AuditEvent
from missions.auto_apply import (
    apply_pending,
    assignment_lock,
    line_reason,
    run_apply,
    run_discard,
    unstaffable_reason,
)
from missions.auto_assignment import (
    STALE_AFTER,
    apply_execute,
    apply_request,
    run_execute,
    run_fail_if_stale,
    run_start,
)
from missions.auto_data import DEFAULT_WEIGHTS, load, selection
from missions.models import (
    Assignment,
    AssignmentRun,
    Availability,
    Competence,
    ConvocationStatus,
    LineKind,
    RunStatus,
    SessionWish,
)
from missions.services import assignment_create
from tests import factories

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(day: int, hour: int) -> datetime:
    base = timezone.localdate() + timedelta(days=20 + day)
    return datetime(base.year, base.month, base.day, hour, tzinfo=TZ)


@pytest.fixture
def session():
    return factories.ExamSessionFactory()


def mission(session, *, day=0, need=1, epreuve=None, centre=None, **fields):
    exam = (
        epreuve.exam if epreuve is not None else factories.ExamFactory(session=session)
    )
    extra = {"epreuve": epreuve} if epreuve is not None else {}
    if centre is not None:
        extra["centre"] = centre
    return factories.MissionFactory(
        exam=exam,
        starts_at=at(day, 8),
        ends_at=at(day, 12),
        staffing_need=need,
        **extra,
        **fields,
    )


def person(missions, session, *, lat=49.44, lon=1.09, **fields):
    """Competent for the missions' épreuves, available on their mornings."""
    commune = factories.CommuneFactory(latitude=lat, longitude=lon)
    someone = factories.UserFactory(commune=commune, **fields)
    for m in missions:
        Competence.objects.get_or_create(participant=someone, epreuve=m.epreuve)
        Availability.objects.get_or_create(
            participant=someone,
            session=session,
            date=timezone.localdate(m.starts_at),
            half_day="am",
        )
    return someone


def solve(session, manager, *, missions=None, division_max=None) -> AssignmentRun:
    run = run_start(
        session=session,
        by=manager,
        weights=DEFAULT_WEIGHTS,
        division_max=division_max,
        missions=missions,
    )
    run = run_execute(run.pk)
    assert run.status == RunStatus.DONE, run.error
    return run


def kinds(run) -> dict[tuple[int, int], str]:
    return {
        (line.participant_id, line.mission_id): line.kind for line in run.lines.all()
    }


def automatic(mission, participant) -> Assignment:
    return Assignment.objects.create(
        mission=mission, participant=participant, origin="automatic"
    )


def test_the_proposal_staffs_the_missions_with_the_nearest_and_reasons(
    session, manager
):
    m = mission(session, need=1)
    m.centre.commune.latitude, m.centre.commune.longitude = 49.44, 1.09
    m.centre.commune.save()
    near = person([m], session, lat=49.44, lon=1.10)
    person([m], session, lat=49.0, lon=1.15)  # about 50 km further
    run = solve(session, manager)
    assert kinds(run) == {(near.pk, m.pk): LineKind.ADDED}
    assert run.places_open == 0
    assert run.bound is not None and run.gap == 0
    line = run.lines.get()
    assert line_reason(line) == (
        f"compétent(e) en {m.epreuve.name}, disponible, 1 mission cette session, 1 km"
    )


def test_diff_unchanged_moved_added_withdrawn(session, manager):
    epreuve = factories.EpreuveFactory(exam__session=session)
    first = mission(session, epreuve=epreuve, day=0)
    second = mission(session, epreuve=epreuve, day=1)
    # Ann is only available for the first day, Bob for the second.
    ann = person([first], session)
    bob = person([second], session)
    automatic(first, ann)  # stays: unchanged
    automatic(first, bob)  # Bob can't stay (not available): he moves
    run = solve(session, manager)
    assert kinds(run) == {
        (ann.pk, first.pk): LineKind.UNCHANGED,
        (bob.pk, second.pk): LineKind.MOVED,
    }
    moved = run.lines.get(kind=LineKind.MOVED)
    assert moved.previous.mission_id == first.pk
    # An automatic assignment the solver no longer wants is withdrawn.
    other = mission(session, day=2)
    carl = person([other], session)
    automatic(other, carl)
    third = factories.UserFactory()
    Assignment.objects.create(mission=other, participant=third)  # manual, full
    run = solve(session, manager, missions=[other])
    assert kinds(run) == {(carl.pk, other.pk): LineKind.WITHDRAWN}


def test_manual_locked_and_convoked_assignments_are_kept(session, manager):
    m = mission(session, need=3)
    manual, locked, convoked = (person([m], session) for _ in range(3))
    person([m], session)  # free, nearer nobody: not needed
    Assignment.objects.create(mission=m, participant=manual)
    assignment_lock(assignment=automatic(m, locked), by=manager, locked=True)
    Assignment.objects.create(
        mission=m,
        participant=convoked,
        origin="automatic",
        status=ConvocationStatus.CONVOKED,
        convoked_at=timezone.now(),
    )
    run = solve(session, manager)
    assert run.lines.count() == 0  # every place held by what it may not touch
    assert run.places_open == 0
    assert AuditEvent.objects.filter(action="missions.assignment.locked").count() == 1


def test_declared_and_division_maximum_are_respected(session, manager):
    epreuve = factories.EpreuveFactory(exam__session=session)
    days = [mission(session, epreuve=epreuve, day=d) for d in range(3)]
    capped = person(days, session)
    SessionWish.objects.create(participant=capped, session=session, max_missions=1)
    run = solve(session, manager)
    assert run.lines.filter(participant=capped).count() == 1
    assert run.places_open == 2
    assert len(run.unstaffable) == 2
    assert "pour 1 place(s)" in unstaffable_reason(run.unstaffable[0])
    free = person(days, session)
    run = solve(session, manager, division_max=2)
    assert run.lines.filter(participant=free).count() == 2
    assert run.lines.filter(participant=capped).count() == 1


def test_a_session_s_load_counts_missions_outside_the_selection(session, manager):
    epreuve = factories.EpreuveFactory(exam__session=session)
    outside, inside = (mission(session, epreuve=epreuve, day=d) for d in (0, 1))
    someone = person([outside, inside], session, load_limit=1)
    Assignment.objects.create(mission=outside, participant=someone)
    run = solve(session, manager, missions=[inside])
    assert run.lines.count() == 0
    assert run.unstaffable[0]["eligible"] == 0


def test_apply_creates_automatic_assignments_and_withdraws_replaced_ones(
    session, manager
):
    epreuve = factories.EpreuveFactory(exam__session=session)
    first = mission(session, epreuve=epreuve, day=0)
    second = mission(session, epreuve=epreuve, day=1)
    bob = person([second], session)
    old = automatic(first, bob)
    newcomer = person([first], session)
    run = solve(session, manager)
    summary = run_apply(run=run, by=manager)
    assert summary == {"applied": 2, "skipped": 0, "dropped": 0}
    old.refresh_from_db()
    assert old.status == ConvocationStatus.WITHDRAWN
    assert Assignment.objects.get(mission=second, participant=bob).origin == (
        "automatic"
    )
    assert Assignment.objects.get(mission=first, participant=newcomer).status == (
        ConvocationStatus.ASSIGNED
    )
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED and run.applied_by == manager
    assert AuditEvent.objects.filter(
        action="missions.auto_assignment.applied", target_id=run.pk
    ).exists()
    assert AuditEvent.objects.filter(action="missions.assignment.created").count() == 2


def test_a_line_made_invalid_before_apply_is_skipped_with_its_reason(session, manager):
    a, b = mission(session, day=0), mission(session, day=1)
    ann, bob = person([a], session), person([b], session)
    run = solve(session, manager)
    assert run.lines.count() == 2
    # Meanwhile a manager fills mission a by hand, and Bob withdraws b's day.
    assignment_create(
        mission=a,
        participant=factories.UserFactory(),
        by=manager,
        override_reason="urgence",
    )
    Availability.objects.filter(participant=bob).delete()
    summary = run_apply(run=run, by=manager)
    assert summary == {"applied": 0, "skipped": 2, "dropped": 0}
    reasons = dict(run.lines.values_list("participant_id", "skipped_reason"))
    assert reasons[ann.pk] == "la mission est déjà complète"
    assert "disponible" in reasons[bob.pk]
    assert not Assignment.objects.filter(participant__in=[ann, bob]).exists()


def test_a_locked_assignment_is_not_moved_at_apply(session, manager):
    epreuve = factories.EpreuveFactory(exam__session=session)
    first = mission(session, epreuve=epreuve, day=0)
    second = mission(session, epreuve=epreuve, day=1)
    bob = person([second], session)
    old = automatic(first, bob)
    run = solve(session, manager)
    assert kinds(run)[(bob.pk, second.pk)] == LineKind.MOVED
    assignment_lock(assignment=old, by=manager, locked=True)
    summary = run_apply(run=run, by=manager)
    assert summary["skipped"] == 1
    old.refresh_from_db()
    assert old.status == ConvocationStatus.ASSIGNED  # kept, and no new one
    assert not Assignment.objects.filter(mission=second).exists()
    assert "verrouillée" in run.lines.get().skipped_reason


def test_dropped_lines_are_not_applied(session, manager):
    a, b = mission(session, day=0), mission(session, day=1)
    ann, bob = person([a], session), person([b], session)
    run = solve(session, manager)
    dropped = run.lines.get(participant=bob)
    summary = run_apply(run=run, by=manager, dropped_line_ids=[dropped.pk])
    assert summary == {"applied": 1, "skipped": 0, "dropped": 1}
    assert Assignment.objects.filter(participant=ann).exists()
    assert not Assignment.objects.filter(participant=bob).exists()
    with pytest.raises(Exception, match="plus applicable"):
        run_apply(run=run, by=manager)


def test_the_selection_reads_in_a_fixed_number_of_queries(
    session, manager, django_assert_max_num_queries
):
    def count(n):
        missions = [mission(session, day=d) for d in range(n)]
        for m in missions:
            person([m], session)
        run = AssignmentRun.objects.create(session=session, created_by=manager)
        with django_assert_max_num_queries(8) as captured:
            snap = load(session, selection(run))
        return len(captured.captured_queries), snap

    small, _snap = count(2)
    large, snap = count(4)
    assert small == large
    assert len(snap.missions) == 6


def test_a_refused_move_never_overfills_the_mission_it_left(session, manager):
    # Paul moves from a to b; Quentin takes his place on a. Between the run
    # and « Appliquer », Paul withdraws b's day: his move is refused, and a is
    # already full again, so he is not put back there over its need.
    a, b = mission(session, day=0), mission(session, day=1)
    paul, quentin = person([a, b], session), person([a], session)
    left = automatic(a, paul)
    run = AssignmentRun.objects.create(
        session=session, created_by=manager, status=RunStatus.DONE
    )
    run.lines.create(participant=quentin, mission=a, kind=LineKind.ADDED)
    run.lines.create(participant=paul, mission=b, kind=LineKind.MOVED, previous=left)
    Availability.objects.filter(
        participant=paul, date=timezone.localdate(b.starts_at)
    ).delete()
    summary = run_apply(run=run, by=manager)
    assert summary == {"applied": 1, "skipped": 1, "dropped": 0}
    active = Assignment.objects.filter(status=ConvocationStatus.ASSIGNED)
    assert list(active.filter(mission=a).values_list("participant", flat=True)) == [
        quentin.pk
    ]
    assert not active.filter(participant=paul).exists()
    reason = run.lines.get(participant=paul).skipped_reason
    assert "sa mission précédente est désormais complète" in reason


def replaced(session, manager):
    """Carl's automatic assignment on a is withdrawn for Dan (a needs one)."""
    a = mission(session, day=0)
    carl, dan = person([a], session), person([a], session)
    old = automatic(a, carl)
    run = AssignmentRun.objects.create(
        session=session, created_by=manager, status=RunStatus.DONE
    )
    run.lines.create(participant=carl, mission=a, kind=LineKind.WITHDRAWN, previous=old)
    added = run.lines.create(participant=dan, mission=a, kind=LineKind.ADDED)
    return run, a, old, dan, added


def test_a_withdrawal_whose_replacement_is_refused_is_given_back(session, manager):
    run, a, old, dan, _added = replaced(session, manager)
    Availability.objects.filter(participant=dan).delete()  # Dan can't come
    summary = run_apply(run=run, by=manager)
    old.refresh_from_db()
    assert old.status == ConvocationStatus.ASSIGNED  # a keeps its person
    assert summary == {"applied": 0, "skipped": 2, "dropped": 0}
    line = run.lines.get(kind=LineKind.WITHDRAWN)
    assert not line.applied
    assert line.skipped_reason == "remis(e) : son remplaçant n'a pas pu être affecté"
    assert AuditEvent.objects.filter(
        action="missions.assignment.reassigned", target_id=old.pk
    ).exists()


def test_a_withdrawal_whose_replacement_is_dropped_is_given_back(session, manager):
    run, a, old, dan, added = replaced(session, manager)
    summary = run_apply(run=run, by=manager, dropped_line_ids=[added.pk])
    old.refresh_from_db()
    assert old.status == ConvocationStatus.ASSIGNED
    assert summary == {"applied": 0, "skipped": 1, "dropped": 1}
    assert not Assignment.objects.filter(participant=dan).exists()


def test_a_withdrawal_whose_replacement_happened_stays(session, manager):
    run, a, old, dan, _added = replaced(session, manager)
    assert run_apply(run=run, by=manager) == {"applied": 2, "skipped": 0, "dropped": 0}
    old.refresh_from_db()
    assert old.status == ConvocationStatus.WITHDRAWN
    assert Assignment.objects.get(participant=dan, mission=a).status == (
        ConvocationStatus.ASSIGNED
    )


def test_apply_locks_the_missions_it_touches(session, manager):
    run, a, _old, _dan, _added = replaced(session, manager)
    with CaptureQueriesContext(connection) as captured:
        run_apply(run=run, by=manager)
    locks = [
        q["sql"]
        for q in captured.captured_queries
        if "FOR UPDATE" in q["sql"]
        and 'FROM "missions_mission"' in q["sql"]
        and "missions_assignment" not in q["sql"].split("FOR UPDATE")[0]
    ]
    assert locks, "the missions are locked before their places are counted"
    order = [q["sql"] for q in captured.captured_queries]
    people = next(i for i, sql in enumerate(order) if 'FROM "accounts_user"' in sql)
    assert people < order.index(locks[0])


def test_a_stale_run_is_failed_and_a_recent_one_left_alone(session, manager):
    run = run_start(session=session, by=manager, weights=DEFAULT_WEIGHTS)
    assert run_fail_if_stale(run=run, by=manager).status == RunStatus.QUEUED
    AssignmentRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - STALE_AFTER - timedelta(seconds=1)
    )
    run.refresh_from_db()
    run = run_fail_if_stale(run=run, by=manager)
    assert run.status == RunStatus.FAILED
    assert "relancez l'affectation" in run.error
    event = AuditEvent.objects.get(action="missions.auto_assignment.failed")
    assert event.actor_id == manager.pk and event.from_status == RunStatus.QUEUED
    # The worker coming back later leaves it failed.
    assert run_execute(run.pk).status == RunStatus.FAILED
    # Running: counted from its start.
    other = run_start(session=session, by=manager, weights=DEFAULT_WEIGHTS)
    AssignmentRun.objects.filter(pk=other.pk).update(
        status=RunStatus.RUNNING,
        created_at=timezone.now() - STALE_AFTER * 2,
        started_at=timezone.now(),
    )
    other.refresh_from_db()
    assert run_fail_if_stale(run=other, by=manager).status == RunStatus.RUNNING


def test_apply_request_is_refused_unless_done_and_not_pending(
    session, manager, django_capture_on_commit_callbacks
):
    queued = run_start(session=session, by=manager, weights=DEFAULT_WEIGHTS)
    with pytest.raises(ValidationError, match="plus applicable"):
        apply_request(run=queued, by=manager)
    m = mission(session)
    person([m], session)
    run = solve(session, manager)
    apply_request(run=run, by=manager)  # its task waits for the commit
    assert apply_pending(run) and run.summary["requested_by"] == manager.pk
    with pytest.raises(ValidationError, match="en cours"):
        apply_request(run=run, by=manager)
    with pytest.raises(ValidationError, match="en cours"):
        run_discard(run=run, by=manager)
    # The task, immediate here, applies it and replaces the request.
    assert apply_execute(run.pk, manager.pk).status == RunStatus.APPLIED
    run.refresh_from_db()
    assert run.summary == {"applied": 1, "skipped": 0, "dropped": 0}
    assert Assignment.objects.get().mission == m
    with pytest.raises(ValidationError, match="plus applicable"):
        apply_request(run=run, by=manager)
    # Through the commit, with the immediate backend: applied at once.
    other = solve(session, manager)
    with django_capture_on_commit_callbacks(execute=True):
        apply_request(run=other, by=manager)
    other.refresh_from_db()
    assert other.status == RunStatus.APPLIED and not apply_pending(other)
