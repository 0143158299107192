"""Benchmark: the official convocation run for 1 000 participants.

Builds a throw-away SQLite database, assigns 1 000 participants (one mission
each, half of them with a second mission), runs the official run as the
background worker would (convocations, claims, PDFs, e-mails kept in memory),
and prints the median time per PDF and the total. Target on the 2-core
reference machine: under 25 s in total.

    .venv/bin/python bench/convocations.py [participants]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta

import sandbox  # noqa: E402, F401  (sets Django up first)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Commune, User  # noqa: E402
from claims import runs  # noqa: E402
from claims.models import Claim, ConvocationRun  # noqa: E402
from missions.models import (  # noqa: E402
    Assignment,
    ExamSession,
    Mission,
)


def build(participants: int) -> tuple[ExamSession, User]:
    settings.MEDIA_ROOT = sandbox.WORKDIR
    call_command("migrate", verbosity=0)
    rouen = Commune.objects.create(insee_code="76540", name="Rouen")
    havre = Commune.objects.create(insee_code="76351", name="Le Havre")
    manager = User.objects.create(username="gestionnaire", is_staff=True)
    session, exam, epreuve, kind, centre = sandbox.philosophy_correction(
        havre, instructions="Stylo rouge, calculatrice interdite."
    )
    start = timezone.now() + timedelta(days=30)
    missions = Mission.objects.bulk_create(
        Mission(
            exam=exam,
            epreuve=epreuve,
            mission_type=kind,
            centre=centre,
            starts_at=start + timedelta(days=n % 5),
            ends_at=start + timedelta(days=n % 5, hours=4),
            planned_volume=60,
            staffing_need=participants,
        )
        for n in range(10)
    )
    people = User.objects.bulk_create(
        User(
            username=f"agent{n}",
            first_name="Camille",
            last_name=f"Agent{n:04d}",
            email=f"agent{n}@exemple.invalid",
            commune=rouen,
        )
        for n in range(participants)
    )
    Assignment.objects.bulk_create(
        [
            Assignment(mission=missions[n % 10], participant=p)
            for n, p in enumerate(people)
        ]
        + [
            Assignment(mission=missions[(2 * n + 5) % 10], participant=p)
            for n, p in enumerate(people[::2])
        ]
    )
    return session, manager


def main() -> None:
    participants = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    session, manager = build(participants)
    # Per PDF: a batch's time, from handing it to the pool to having its
    # PDFs, over its size (the run convokes the next batch meanwhile).
    durations: list[float] = []
    start = runs.start_convocation_pdfs

    def timed(convocations):
        began = time.perf_counter()
        waiting = start(convocations)

        def wait():
            try:
                return waiting()
            finally:
                if convocations:
                    elapsed = time.perf_counter() - began
                    durations.extend([elapsed / len(convocations)] * len(convocations))

        return wait

    runs.start_convocation_pdfs = timed
    run = ConvocationRun.objects.create(
        kind="official", session=session, created_by=manager
    )
    began = time.perf_counter()
    run = runs.run_execute(run.pk)
    total = time.perf_counter() - began
    from django.core import mail

    print(f"participants            {participants}")
    print(f"run status              {run.status} {run.error}")
    print(f"convocations / claims   {run.convoked} / {Claim.objects.count()}")
    print(f"e-mails with PDF        {len(mail.outbox)}")
    print(f"PDF workers             {settings.PDF_WORKERS or os.cpu_count()}")
    print(f"PDF median (wall)       {statistics.median(durations) * 1000:.1f} ms")
    print(f"total (run)             {total:.1f} s   (target: < 25 s)")


if __name__ == "__main__":
    main()
