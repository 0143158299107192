"""Benchmark: the "état récapitulatif" PDF of a participant with 30 claims.

Builds a throw-away SQLite database with one participant convoked to 30
missions of a session (copies declared, half of them with a trip and a meal),
then renders the session recap PDF as the page does (the claims and their
amounts read, the HTML laid out by WeasyPrint) several times, and prints the
median. Target on the 2-core reference machine: under 0.5 s.

    .venv/bin/python bench/recap.py [claims] [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

import sandbox  # noqa: E402, F401  (sets Django up first)
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Commune, User  # noqa: E402
from claims import recap, selectors  # noqa: E402
from claims.models import Claim, Meal, Trip  # noqa: E402
from missions.models import (  # noqa: E402
    Assignment,
    ExamSession,
    Mission,
)


def build(count: int) -> tuple[User, ExamSession]:
    call_command("migrate", verbosity=0)
    rouen = Commune.objects.create(insee_code="76540", name="Rouen")
    havre = Commune.objects.create(insee_code="76351", name="Le Havre")
    teacher = User.objects.create(
        username="enseignant", first_name="Paul", last_name="Durand", commune=rouen
    )
    session, exam, epreuve, kind, centre = sandbox.philosophy_correction(havre)
    start = timezone.now() - timedelta(days=40)
    for index in range(count):
        mission = Mission.objects.create(
            exam=exam,
            epreuve=epreuve,
            mission_type=kind,
            centre=centre,
            starts_at=start + timedelta(days=index),
            ends_at=start + timedelta(days=index, hours=8),
            planned_volume=40,
            staffing_need=1,
        )
        assignment = Assignment.objects.create(
            mission=mission,
            participant=teacher,
            status="convoked",
            convoked_at=timezone.now(),
        )
        claim = Claim.objects.create(
            assignment=assignment,
            has_travel_part=index % 2 == 0,
            copies_declared=30 + index,
            steps_done=["mission", "service"],
        )
        if claim.has_travel_part:
            day = timezone.localdate(mission.starts_at)
            Trip.objects.create(
                claim=claim,
                date=day,
                origin="Rouen",
                destination="Le Havre",
                mode="car",
                fiscal_horsepower=5,
                kilometres=180,
            )
            Meal.objects.create(claim=claim, date=day)
    return teacher, session


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    teacher, session = build(count)
    timings = []
    size = 0
    for _ in range(repeats):
        began = time.perf_counter()
        rows = selectors.claims_for_participant(teacher, session.pk)
        _name, content = recap.session_recap_pdf(teacher, session, rows)
        timings.append(time.perf_counter() - began)
        size = len(content)
    total = sum((row.amounts.total for row in rows), Decimal(0))
    print(f"claims                  {len(rows)}")
    print(f"PDF size                {size / 1024:.0f} KiB, total {total} EUR")
    print(
        f"renders                 {repeats} (first, with fonts loaded: "
        f"{timings[0] * 1000:.0f} ms)"
    )
    print(
        f"median render           {statistics.median(timings) * 1000:.0f} ms"
        "   (target: < 500 ms)"
    )


if __name__ == "__main__":
    main()
