"""Convocation documents: one per participant, listing their missions.

The official run (claims.runs) adds, on an external participant's first
convocation, their participant number and single-use initial password; the
same document downloaded later from "Mes convocations" never shows it (only
its hash is kept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from imagin.pdf import render_pdf, start_pdfs
from missions.models import Assignment

ASSIGNMENT_RELATED = (
    "participant",
    "mission__exam__session",
    "mission__epreuve",
    "mission__mission_type",
    "mission__centre__commune",
)


@dataclass
class Convocation:
    participant: User
    assignments: list[Assignment]
    # (participant number, initial password) on a first convocation only.
    credentials: tuple[str, str] | None = None


def group_by_participant(assignments: Iterable[Assignment]) -> list[Convocation]:
    """Assignments (with ASSIGNMENT_RELATED loaded) grouped per participant."""
    grouped: dict[int, Convocation] = {}
    for assignment in assignments:
        convocation = grouped.setdefault(
            assignment.participant_id, Convocation(assignment.participant, [])
        )
        convocation.assignments.append(assignment)
    for convocation in grouped.values():
        convocation.assignments.sort(key=lambda a: a.mission.starts_at)
    return sorted(
        grouped.values(),
        key=lambda c: (
            c.participant.last_name,
            c.participant.first_name,
            c.participant.pk,
        ),
    )


def _context(convocations: list[Convocation], control: bool) -> dict:
    # The authority's name, TRAVEL_ENABLED and SITE_URL (none when it is a
    # local address) come with every document (`imagin.pdf.document_context`).
    return {
        "convocations": convocations,
        "control": control,
        "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
        "SIGNATURE": settings.CONVOCATION_SIGNATURE,
        "issued_on": timezone.localdate(),
    }


def convocations_pdf(
    convocations: list[Convocation], *, control: bool = False
) -> bytes:
    """One PDF holding each convocation on its own pages.

    A control print says on every page that it convokes nobody.
    """
    return render_pdf("missions/convocation_pdf.html", _context(convocations, control))


def start_convocation_pdfs(
    convocations: list[Convocation],
) -> Callable[[], list[bytes]]:
    """One PDF per convocation, laid out in parallel while the caller goes on;
    call the function returned for them, in order (`imagin.pdf.start_pdfs`)."""
    return start_pdfs(
        "missions/convocation_pdf.html",
        [_context([convocation], False) for convocation in convocations],
    )
