"""Imported first by each benchmark: Django set up on a throw-away SQLite
database in a temporary folder, e-mails kept in memory, production-like
settings (DEBUG off)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = tempfile.mkdtemp(prefix="imagin-bench-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="imagin.settings",
    DEBUG="false",
    SECRET_KEY="bench-only",
    FIELD_ENCRYPTION_KEYS="dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5MzI=",
    STATIC_MANIFEST="false",
    # The back-office benchmark queues tasks as in production, then times
    # the worker apart.
    TASKS_BACKEND=os.environ.get("BENCH_TASKS_BACKEND", "immediate"),
    # BENCH_DATABASE_URL: an empty database to use instead (e.g. PostgreSQL).
    DATABASE_URL=os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{WORKDIR}/bench.sqlite3"
    ),
    EMAIL_URL="memorymail://",
    MEDIA_ROOT=WORKDIR,
    LOG_LEVEL="WARNING",
    # The back-office benchmark goes through the pages with Django's client.
    ALLOWED_HOSTS="testserver,localhost",
    SECURE_COOKIES="false",
)

import django  # noqa: E402

django.setup()


def philosophy_correction(centre_commune, **mission_type):
    """The same scene for every benchmark: the baccalauréat of session 2027
    (taux 5 per copy), its philosophy paper, a correction mission type and a
    centre in `centre_commune`. Returns (session, exam, épreuve, type, centre).
    """
    from datetime import timedelta

    from django.utils import timezone

    from missions.models import (
        Centre,
        Discipline,
        Epreuve,
        Exam,
        ExamSession,
        MissionType,
    )

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
    discipline = Discipline.objects.create(code="PHILO", name="Philosophie")
    epreuve = Epreuve.objects.create(
        exam=exam,
        code="PHILO",
        name="Philosophie",
        discipline=discipline,
        form="written",
    )
    kind = MissionType.objects.create(
        code="CORRECTION", name="Correction", payment_basis="per_copy", **mission_type
    )
    centre = Centre.objects.create(
        code="LYC",
        name="Lycée Jules-Siegfried",
        address="1 rue",
        commune=centre_commune,
    )
    return session, exam, epreuve, kind, centre
