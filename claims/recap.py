"""États récapitulatifs: PDFs of a participant's declarations, by WeasyPrint
from HTML templates (`imagin.pdf`)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from claims import flow, selectors
from claims.models import Claim
from claims.money import format_quantity
from imagin.pdf import render_pdf
from missions.models import ExamSession


def _separator() -> str:
    """Between the parts of a claim's service: "Heures : 6 ; 1 trajet", a
    no-break space before the semicolon in French; "Hours: 6; 1 journey"."""
    return "\u00a0; " if (get_language() or "fr").startswith("fr") else "; "


def declared_service(claim: Claim) -> str:
    """What the participant declared, part after part: copies, candidates,
    hours, trips."""
    parts = []
    if claim.copies_declared is not None:
        parts.append(f"{_('Copies corrigées :')} {claim.copies_declared}")
    if claim.candidates_declared is not None:
        parts.append(f"{_('Candidats interrogés :')} {claim.candidates_declared}")
    if claim.hours_declared is not None:
        parts.append(f"{_('Heures :')} {format_quantity(claim.hours_declared)}")
    trips = len(claim.trips.all()) if claim.has_travel_part else 0
    if trips:
        parts.append(
            ngettext("%(counter)s trajet", "%(counter)s trajets", trips)
            % {"counter": trips}
        )
    return _separator().join(parts)


def _context(rows: list[selectors.ParticipantClaim]) -> dict:
    now = timezone.now()
    total = sum((row.amounts.total for row in rows), Decimal(0))
    return {
        "rows": [
            (row, flow.participant_status(row.claim, now), declared_service(row.claim))
            for row in rows
        ],
        "total": total,
        "currency": settings.CURRENCY,
        "printed_at": now,
    }


def session_recap_pdf(
    participant: User, session: ExamSession, rows: list[selectors.ParticipantClaim]
) -> tuple[str, bytes]:
    """Every claim of the participant for the session: (filename, PDF)."""
    context = {**_context(rows), "participant": participant, "session": session}
    filename = f"recapitulatif-{slugify(session.name)}-{participant.username}.pdf"
    return filename, render_pdf("claims/recap_pdf.html", context)


def claim_recap_pdf(claim: Claim) -> tuple[str, bytes]:
    """One claim, with its lines: (filename, PDF)."""
    row = selectors.ParticipantClaim(claim, selectors.claim_amounts(claim))
    context = {
        **_context([row]),
        "participant": claim.assignment.participant,
        "session": claim.assignment.mission.exam.session,
        "single": True,
    }
    return f"etat-de-frais-{claim.pk}.pdf", render_pdf("claims/recap_pdf.html", context)
