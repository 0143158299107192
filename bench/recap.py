"""Benchmark: the "état récapitulatif" PDF of a participant with 30 claims.

Builds a throw-away SQLite database with one participant convoked to 30
missions of a session (copies declared, half of them with a trip and a meal),
then renders the session recap PDF as the page does (the claims and their
amounts read, the HTML laid out by WeasyPrint) several times, and prints the
median. Target on the 2-core reference machine: under 0.5 s.

It also prints a floor, measured in the same run, each repeat just before the
recap (so a busy machine slows both alike): the cheapest PDF in the same
typography, one page holding the recap's header only (the authority, the
title, a paragraph: regular and bold text), laid out by the same function,
stylesheet and fonts (`imagin.pdf_worker.html_to_pdf`, `imagin/print.css`).
The ratio recap / floor is what the recap costs beyond any PDF of ours: its
queries, pricing, template and the table of its claims. And it says which
library subsets the embedded fonts: WeasyPrint falls back to fontTools, far
slower, when HarfBuzz's subsetting library (libharfbuzz-subset0, which the
Dockerfile installs) is missing.

    .venv/bin/python bench/recap.py [claims] [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

import sandbox  # noqa: E402, F401  (sets Django up first)
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from weasyprint.text.ffi import harfbuzz_subset  # noqa: E402

from accounts.models import Commune, User  # noqa: E402
from claims import recap, selectors  # noqa: E402
from claims.models import Claim, Meal, Trip  # noqa: E402
from imagin import pdf_worker  # noqa: E402
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


FLOOR_HTML = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Plancher</title></head><body><p class="authority">Académie</p>
<h1>État récapitulatif des déclarations</h1>
<p>Paul Durand (enseignant)<br>Session 2027 — édité le 7 décembre 2026</p>
</body></html>"""


def floor_render(stylesheet: str) -> float:
    began = time.perf_counter()
    pdf_worker.html_to_pdf(FLOOR_HTML, stylesheet)
    return time.perf_counter() - began


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    teacher, session = build(count)
    stylesheet = finders.find("imagin/print.css")
    floor_render(stylesheet)  # fonts found and stylesheet parsed once
    timings = []
    floors = []
    size = 0
    for _ in range(repeats):
        floors.append(floor_render(stylesheet))
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
    median, floor = statistics.median(timings), statistics.median(floors)
    print(f"median render           {median * 1000:.0f} ms   (target: < 500 ms)")
    print(f"floor (one-page PDF)    {floor * 1000:.0f} ms")
    print(f"ratio render / floor    {median / floor:.2f}")
    subsetter = "HarfBuzz" if harfbuzz_subset else "fontTools (no libharfbuzz-subset)"
    print(f"fonts subset by         {subsetter}")


if __name__ == "__main__":
    main()
