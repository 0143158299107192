"""Reads for the participant's mission pages, scoped to the signed-in person."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from accounts.models import User
from missions.convocations import ASSIGNMENT_RELATED
from missions.models import (
    Assignment,
    Availability,
    Competence,
    ConvocationStatus,
    Epreuve,
    ExamSession,
)

# A session's calendar never shows more than this, whatever the missions say.
MAX_SESSION_DAYS = 180


def sessions_with_exams() -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(exams__isnull=False).distinct()


def session_days(session: ExamSession) -> list[date]:
    """Every day from the session's first mission to its last."""
    bounds = session.exams.aggregate(
        first=Min("missions__starts_at"), last=Max("missions__ends_at")
    )
    if bounds["first"] is None:
        return []
    first = timezone.localdate(bounds["first"])
    last = min(timezone.localdate(bounds["last"]), first + timedelta(MAX_SESSION_DAYS))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def session_epreuves(session: ExamSession) -> QuerySet[Epreuve]:
    return (
        Epreuve.objects.filter(exam__session=session)
        .select_related("discipline", "exam")
        .order_by("discipline__name", "exam__name", "code")
    )


def declared_competences(participant: User, session: ExamSession) -> set[int]:
    return set(
        Competence.objects.filter(
            participant=participant, epreuve__exam__session=session
        ).values_list("epreuve_id", flat=True)
    )


def declared_half_days(participant: User, session: ExamSession) -> set[str]:
    return {
        f"{day:%Y-%m-%d}:{half}"
        for day, half in Availability.objects.filter(
            participant=participant, session=session
        ).values_list("date", "half_day")
    }


def my_convocations(participant: User) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(
            participant=participant, status=ConvocationStatus.CONVOKED
        )
        .select_related(*ASSIGNMENT_RELATED)
        .order_by("-mission__starts_at", "-pk")
    )
