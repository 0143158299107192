"""The automatic assignment proposes only what the assignment page allows
(missions.rules), and applying it overfills nothing.

Small random sessions in the database: missions of a few épreuves (written,
oral, practical, or none) at a few centres (some of them establishments),
overlapping or not, some over several half-days; participants with random
competences, availabilities (some in another session), establishments, load
limits, declared maxima and accounts deactivated; assignments already there
(manual, locked, convoked, automatic, withdrawn), some in another session.
Then the continuity bonus: the same definition for the solver and the line's
reason.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missions import rules
from missions.auto_apply import line_reason, run_apply
from missions.auto_assignment import run_execute, run_start
from missions.auto_data import DEFAULT_WEIGHTS, UNLIMITED, load, problem, selection
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
from missions.solver import build
from tests import factories

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()
DAYS = 3
STARTS = (8, 10, 13)
HOURS = (2, 4, 6, 26)  # 26: over three or four half-days, across midnight
KINDS = ("manual", "locked", "convoked", "automatic", "withdrawn")


def at(day: int, hour: int) -> datetime:
    base = timezone.localdate() + timedelta(days=20 + day)
    return datetime(base.year, base.month, base.day, tzinfo=TZ) + timedelta(hours=hour)


@st.composite
def scenes(draw):
    n_missions = draw(st.integers(1, 4))
    missions = [
        {
            "epreuve": draw(st.sampled_from([None, 0, 1])),
            "centre": draw(st.integers(0, 1)),
            "day": draw(st.integers(0, DAYS - 1)),
            "start": draw(st.sampled_from(STARTS)),
            "hours": draw(st.sampled_from(HOURS)),
            "need": draw(st.integers(1, 2)),
        }
        for _ in range(n_missions)
    ]
    half_days = [(d, h) for d in range(DAYS + 1) for h in ("am", "pm")]
    # Mostly available and competent: the rules then decide, not chance.
    where = st.sampled_from(["session", "session", "session", "other", None])
    people = []
    for _ in range(draw(st.integers(1, 5))):
        people.append(
            {
                "competences": draw(st.sampled_from([{0, 1}, {0, 1}, {0}, {1}, set()])),
                # Each half-day declared for this session, the other, or not.
                "available": {hd: draw(where) for hd in half_days},
                "establishment": draw(st.sampled_from([0, 1, None])),
                "load_limit": draw(st.sampled_from([None, None, 0, 1, 2])),
                "wish": draw(st.sampled_from(["none", None, 0, 1, 2])),
                "active": draw(st.sampled_from([True, True, True, False])),
                "located": draw(st.booleans()),
            }
        )
    # Index n_missions: the other session's mission.
    pairs = st.tuples(
        st.integers(0, len(people) - 1),
        st.integers(0, n_missions),
        st.sampled_from(KINDS),
    )
    existing = draw(st.lists(pairs, max_size=5, unique_by=lambda t: (t[0], t[1])))
    return {
        "missions": missions,
        "people": people,
        "existing": existing,
        "forms": draw(
            st.tuples(*[st.sampled_from(["oral", "written", "practical"])] * 2)
        ),
        "centres": draw(st.tuples(*[st.sampled_from([0, 1, None])] * 2)),
        "other": {
            "day": draw(st.integers(0, DAYS - 1)),
            "start": draw(st.sampled_from(STARTS)),
            "hours": draw(st.sampled_from(HOURS)),
        },
        "division_max": draw(st.sampled_from([None, 1, 2])),
        "selection": draw(st.sets(st.integers(0, n_missions - 1))),
    }


def build_scene(scene):
    session = factories.ExamSessionFactory()
    other_session = factories.ExamSessionFactory()
    exam = factories.ExamFactory(session=session)
    epreuves = [
        factories.EpreuveFactory(exam=exam, form=form) for form in scene["forms"]
    ]
    establishments = [factories.EstablishmentFactory() for _ in range(2)]
    centres = [
        factories.CentreFactory(
            establishment=None if e is None else establishments[e],
            commune=factories.CommuneFactory(latitude=49.4 + i / 10, longitude=1.1),
        )
        for i, e in enumerate(scene["centres"])
    ]
    kind = factories.MissionTypeFactory()
    missions = [
        factories.MissionFactory(
            exam=exam,
            epreuve=None if m["epreuve"] is None else epreuves[m["epreuve"]],
            centre=centres[m["centre"]],
            mission_type=kind,
            starts_at=at(m["day"], m["start"]),
            ends_at=at(m["day"], m["start"] + m["hours"]),
            staffing_need=m["need"],
        )
        for m in scene["missions"]
    ]
    o = scene["other"]
    elsewhere = factories.MissionFactory(
        exam=factories.ExamFactory(session=other_session),
        centre=centres[0],
        mission_type=kind,
        starts_at=at(o["day"], o["start"]),
        ends_at=at(o["day"], o["start"] + o["hours"]),
    )
    people = []
    for p in scene["people"]:
        commune = factories.CommuneFactory(
            latitude=49.0 if p["located"] else None,
            longitude=1.0 if p["located"] else None,
        )
        e = p["establishment"]
        person = factories.UserFactory(
            commune=commune,
            establishment=None if e is None else establishments[e],
            load_limit=p["load_limit"],
            is_active=p["active"],
        )
        for i in p["competences"]:
            Competence.objects.create(participant=person, epreuve=epreuves[i])
        for (day, half), here in p["available"].items():
            if here is None:
                continue
            Availability.objects.create(
                participant=person,
                session=session if here == "session" else other_session,
                date=timezone.localdate(at(day, 9)),
                half_day=half,
            )
        if p["wish"] != "none":
            SessionWish.objects.create(
                participant=person, session=session, max_missions=p["wish"]
            )
        people.append(person)
    every = [*missions, elsewhere]
    for pi, mi, how in scene["existing"]:
        fields = {
            "origin": "automatic" if how in ("automatic", "withdrawn") else "manual"
        }
        if how == "locked":
            fields.update(origin="automatic", locked=True)
        elif how == "convoked":
            fields.update(status=ConvocationStatus.CONVOKED, convoked_at=timezone.now())
        elif how == "withdrawn":
            fields.update(status=ConvocationStatus.WITHDRAWN)
        Assignment.objects.create(mission=every[mi], participant=people[pi], **fields)
    chosen = [missions[i] for i in sorted(scene["selection"])]
    return session, missions, chosen


def maximum(person, session, division_max) -> int:
    declared = (
        SessionWish.objects.filter(participant=person, session=session)
        .values_list("max_missions", flat=True)
        .first()
    )
    limits = [person.load_limit, declared, division_max]
    return min((n for n in limits if n is not None), default=UNLIMITED)


def check_lines_against_rules(run, manager, session):
    lines = list(run.lines.select_related("mission", "participant", "previous"))
    taking = [ln for ln in lines if ln.kind in (LineKind.ADDED, LineKind.MOVED)]
    # As the solver saw it: what the proposal replaces is released, what it
    # keeps and may not touch stays. Each new line is lawful on its own.
    with transaction.atomic():
        released = [
            ln.previous_id
            for ln in lines
            if ln.kind in (LineKind.MOVED, LineKind.WITHDRAWN)
        ]
        Assignment.objects.filter(pk__in=released).update(
            status=ConvocationStatus.WITHDRAWN
        )
        for ln in taking:
            assert ln.participant.is_active
            assert rules.refusal_reasons(ln.mission, ln.participant) == [], ln
        transaction.set_rollback(True)
    summary = run_apply(run=run, by=manager)
    skipped = {ln.pk: ln.skipped_reason for ln in run.lines.exclude(skipped_reason="")}
    assert summary["skipped"] == 0, skipped
    # Together, once applied: still lawful, no mission over its need, nobody
    # over their maximum.
    active = Assignment.objects.filter(status__in=rules.ACTIVE)
    per_mission = Counter(active.values_list("mission_id", flat=True))
    load = Counter(
        active.filter(mission__exam__session=session).values_list(
            "participant_id", flat=True
        )
    )
    for ln in lines:
        if ln.kind == LineKind.WITHDRAWN:
            continue
        assert active.filter(mission=ln.mission, participant=ln.participant).exists()
        assert rules.refusal_reasons(ln.mission, ln.participant) == [], ln
    for ln in taking:
        assert per_mission[ln.mission_id] <= ln.mission.staffing_need, ln
        limit = maximum(ln.participant, session, run.division_max)
        assert load[ln.participant_id] <= limit, ln


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scene=scenes())
def test_every_proposed_line_passes_the_assignment_page_s_rules(scene, manager):
    with transaction.atomic():  # each example on its own, rolled back
        session, _missions, chosen = build_scene(scene)
        run = run_start(
            session=session,
            by=manager,
            weights=DEFAULT_WEIGHTS,
            division_max=scene["division_max"],
            missions=chosen,
        )
        run = run_execute(run.pk)
        assert run.status == RunStatus.DONE, run.error
        check_lines_against_rules(run, manager, session)
        transaction.set_rollback(True)


# ------------------------------------------------------------- continuity


def test_an_automatic_assignment_on_the_epreuve_counts_for_continuity(manager):
    session = factories.ExamSessionFactory()
    philosophy = factories.EpreuveFactory(exam__session=session)
    a, b = (
        factories.MissionFactory(
            exam=philosophy.exam,
            epreuve=philosophy,
            starts_at=at(day, 8),
            ends_at=at(day, 12),
            staffing_need=1,
        )
        for day in (0, 1)
    )
    commune = factories.CommuneFactory(latitude=49.44, longitude=1.09)
    for m in (a, b):
        m.centre.commune = commune
        m.centre.save()
    ann, bob = (factories.UserFactory(commune=commune) for _ in range(2))
    for someone in (ann, bob):
        Competence.objects.create(participant=someone, epreuve=philosophy)
        for m in (a, b):
            Availability.objects.create(
                participant=someone,
                session=session,
                date=timezone.localdate(m.starts_at),
                half_day="am",
            )
    # Ann is on A from an earlier automatic run: unlocked, decided again.
    Assignment.objects.create(mission=a, participant=ann, origin="automatic")
    run = AssignmentRun.objects.create(
        session=session, created_by=manager, weights=DEFAULT_WEIGHTS
    )
    run.missions.set([b])
    data = problem(load(session, selection(run)), run)
    history = {p.id: p.history for p in data.participants}
    assert history[ann.pk] == {philosophy.pk}
    assert history[bob.pk] == frozenset()
    built = build(data.participants, data.missions, data.fixed, data.weights)
    cost = {
        data.participants[p].id: c
        for p, c in zip(built.pair_p.tolist(), built.pair_cost.tolist(), strict=True)
    }
    assert cost[ann.pk] == cost[bob.pk] - DEFAULT_WEIGHTS["continuity"]

    started = run_start(
        session=session, by=manager, weights=DEFAULT_WEIGHTS, missions=[b]
    )
    done = run_execute(started.pk)
    line = done.lines.get()
    assert line.participant == ann and line.kind == LineKind.ADDED
    assert line.reason["continuity"] is True
    assert "continuité sur l'épreuve" in line_reason(line)

    # Without Ann, Bob (nothing on philosophy) gets B, without the bonus.
    Assignment.objects.filter(participant=ann).delete()
    ann.is_active = False
    ann.save(update_fields=["is_active"])
    started = run_start(
        session=session, by=manager, weights=DEFAULT_WEIGHTS, missions=[b]
    )
    line = run_execute(started.pk).lines.get()
    assert line.participant == bob and line.reason["continuity"] is False
    assert "continuité" not in line_reason(line)
