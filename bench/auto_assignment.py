"""Benchmark: the automatic assignment of a whole session, the Django side
around the solver.

Builds a throw-away database (SQLite, or the empty database named by
BENCH_DATABASE_URL, e.g. PostgreSQL) with a session of P participants and M
missions (bulk_create): 20 épreuves (written, oral, practical) at 20 centres,
each an establishment, over 10 days, missions of a morning, an afternoon or
a whole day needing 1 to 6 people; each participant competent for 2 to 4
épreuves, available on about two half-days in three, some with a load limit
or a declared maximum and preferred centres; a tenth of the missions with
one or two people already (manual, locked, or automatic from an earlier
run, decided again).
Then run_start + run_execute (the worker's part, run at once) and prints:
reading (queries, s), building the solver's data (s), solving (s, status,
gap), the proposal stored (s), the total, and the queries of the result page;
then applies the proposal and runs again, every automatic assignment then
decided again.

    .venv/bin/python bench/auto_assignment.py [participants [missions]]

Default: 2000 400.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import timedelta
from functools import wraps

import sandbox  # noqa: E402, F401  (sets Django up first)
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Commune, Establishment, User
from accounts.roles import MANAGER
from missions import auto_assignment
from missions.auto_apply import run_apply
from missions.auto_data import DEFAULT_WEIGHTS
from missions.models import (
    Assignment,
    AssignmentRun,
    Availability,
    Centre,
    Competence,
    Discipline,
    Epreuve,
    Exam,
    ExamSession,
    Mission,
    MissionType,
    SessionWish,
)

DAYS = 10
EPREUVES = 20
CENTRES = 20
FORMS = ("written", "written", "oral", "practical")


def build(participants: int, missions: int) -> tuple[User, ExamSession]:
    rnd = random.Random(2027)
    call_command("migrate", verbosity=0)
    manager = User.objects.create(
        username="gestionnaire", first_name="Claire", last_name="Martin", is_staff=True
    )
    manager.groups.add(Group.objects.get(name=MANAGER))
    session = ExamSession.objects.create(
        name="Session 2027",
        year=2027,
        claim_deadline=timezone.localdate() + timedelta(days=90),
    )
    exam = Exam.objects.create(
        session=session,
        code="BACGEN",
        name="Baccalauréat général",
        copy_rate_level="5",
        hour_rate_level="3",
    )
    kind = MissionType.objects.create(
        code="CORRECTION", name="Correction", payment_basis="per_copy"
    )
    # Communes around Rouen, within about 100 km.
    communes = Commune.objects.bulk_create(
        Commune(
            insee_code=f"{76000 + n:05d}",
            name=f"Commune {n}",
            postal_code=f"{76000 + n:05d}",
            latitude=round(49.44 + rnd.uniform(-0.8, 0.8), 4),
            longitude=round(1.09 + rnd.uniform(-1.2, 1.2), 4),
        )
        for n in range(200)
    )
    establishments = Establishment.objects.bulk_create(
        Establishment(uai=f"{n:07d}X", name=f"Lycée {n}", commune=communes[n])
        for n in range(CENTRES)
    )
    centres = Centre.objects.bulk_create(
        Centre(
            code=f"C{n}",
            name=f"Centre {n}",
            address="1 rue",
            commune=communes[n],
            establishment=establishments[n],
        )
        for n in range(CENTRES)
    )
    disciplines = Discipline.objects.bulk_create(
        Discipline(code=f"D{n}", name=f"Discipline {n}") for n in range(EPREUVES)
    )
    epreuves = Epreuve.objects.bulk_create(
        Epreuve(
            exam=exam,
            code=f"EP{n}",
            name=f"Épreuve {n}",
            discipline=disciplines[n],
            form=FORMS[n % len(FORMS)],
        )
        for n in range(EPREUVES)
    )
    tz = timezone.get_current_timezone()
    first = timezone.localdate() + timedelta(days=30)

    def moment(day: int, hour: int):
        d = first + timedelta(days=day)
        return timezone.make_aware(timezone.datetime(d.year, d.month, d.day, hour), tz)

    hours = ((8, 12), (13, 17), (8, 17))
    mission_rows = []
    for _ in range(missions):
        day, (start, end) = rnd.randrange(DAYS), rnd.choice(hours)
        mission_rows.append(
            Mission(
                exam=exam,
                epreuve=rnd.choice(epreuves),
                mission_type=kind,
                centre=rnd.choice(centres),
                starts_at=moment(day, start),
                ends_at=moment(day, end),
                planned_volume=40,
                staffing_need=rnd.randint(1, 6),
            )
        )
    made = Mission.objects.bulk_create(mission_rows)
    people = User.objects.bulk_create(
        User(
            username=f"agent{n}",
            first_name="Camille",
            last_name=f"Agent{n}",
            email=f"agent{n}@exemple.invalid",
            kind=User.Kind.AGENT,
            commune=rnd.choice(communes),
            establishment=rnd.choice(establishments),
            load_limit=rnd.choice([None, None, None, 2, 3, 5]),
            password="!",
        )
        for n in range(participants)
    )
    Competence.objects.bulk_create(
        Competence(participant=p, epreuve=e)
        for p in people
        for e in rnd.sample(epreuves, rnd.randint(2, 4))
    )
    Availability.objects.bulk_create(
        Availability(
            participant=p,
            session=session,
            date=first + timedelta(days=day),
            half_day=half,
        )
        for p in people
        for day in range(DAYS)
        for half in ("am", "pm")
        if rnd.random() < 0.65
    )
    wishes = SessionWish.objects.bulk_create(
        SessionWish(
            participant=p, session=session, max_missions=rnd.choice([None, 2, 4])
        )
        for p in people
        if rnd.random() < 0.3
    )
    SessionWish.preferred_centres.through.objects.bulk_create(
        SessionWish.preferred_centres.through(sessionwish=w, centre=c)
        for w in wishes
        for c in rnd.sample(centres, 2)
    )
    taken: set[tuple[int, int]] = set()
    rows = []
    for m in rnd.sample(made, len(made) // 10):
        for p in rnd.sample(people, min(m.staffing_need, 2)):
            if (p.pk, m.pk) in taken:
                continue
            taken.add((p.pk, m.pk))
            how = rnd.choice(["manual", "locked", "automatic", "automatic"])
            rows.append(
                Assignment(
                    mission=m,
                    participant=p,
                    origin="manual" if how == "manual" else "automatic",
                    locked=how == "locked",
                )
            )
    Assignment.objects.bulk_create(rows)
    return manager, session


def timed(name: str, figures: dict, func, queries: bool = False):
    @wraps(func)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        if queries:
            with CaptureQueriesContext(connection) as captured:
                result = func(*args, **kwargs)
            figures[f"{name} queries"] = len(captured.captured_queries)
        else:
            result = func(*args, **kwargs)
        figures[name] = figures.get(name, 0.0) + time.perf_counter() - start
        return result

    return wrapper


def main() -> None:
    participants = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    missions = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    start = time.perf_counter()
    manager, session = build(participants, missions)
    print(
        f"built {participants} participants x {missions} missions "
        f"({Mission.objects.filter(exam__session=session).count()} missions, "
        f"{Assignment.objects.count()} assignments) in "
        f"{time.perf_counter() - start:.1f} s"
    )
    figures: dict = {}
    # The worker's steps, timed where missions.auto_assignment calls them.
    auto_assignment.load = timed("load", figures, auto_assignment.load, True)
    auto_assignment.problem = timed("problem", figures, auto_assignment.problem)
    auto_assignment.solve = timed("solve", figures, auto_assignment.solve)
    auto_assignment.proposal = timed("proposal", figures, auto_assignment.proposal)
    auto_assignment.unstaffable = timed(
        "unstaffable", figures, auto_assignment.unstaffable
    )
    run = report(manager, session, figures)
    client = Client()
    client.force_login(manager)
    url = reverse("admin:missions_mission_auto_run", args=[run.pk])
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        page = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    print(
        f"result page: {len(captured.captured_queries)} queries, {page:.2f} s, "
        f"{len(response.content) // 1024} KiB"
    )
    # Applied, then run again: every automatic assignment is decided again.
    started = time.perf_counter()
    summary = run_apply(run=run, by=manager)
    print(f"applied {summary} in {time.perf_counter() - started:.2f} s; again:")
    figures.clear()
    report(manager, session, figures)


def report(manager: User, session: ExamSession, figures: dict) -> AssignmentRun:
    start = time.perf_counter()
    run = auto_assignment.run_start(
        session=session, by=manager, weights=DEFAULT_WEIGHTS
    )
    run = auto_assignment.run_execute(run.pk)
    total = time.perf_counter() - start
    if run.status != "done":
        raise SystemExit(f"run {run.status}: {run.error}")
    print(
        f"load: {figures['load queries']} queries, {figures['load']:.2f} s; "
        f"solver's data: {figures['problem']:.2f} s"
    )
    print(
        f"solve: {figures['solve']:.2f} s, {run.solver_status}, gap {run.gap:.3f} %, "
        f"{run.places_open} places open"
    )
    print(
        f"proposal: {run.lines.count()} lines "
        f"{dict(Counter(run.lines.values_list('kind', flat=True)))} "
        f"in {figures['proposal']:.2f} s, "
        f"unstaffable missions {len(run.unstaffable)} in "
        f"{figures['unstaffable']:.2f} s"
    )
    print(f"total run_start + run_execute: {total:.2f} s")
    return run


if __name__ == "__main__":
    main()
