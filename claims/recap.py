"""États récapitulatifs: PDFs of a participant's declarations, by WeasyPrint
from HTML templates (`imagin.pdf`)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from claims import flow, selectors
from claims.models import Claim
from imagin.pdf import render_pdf
from missions.models import ExamSession


def _context(rows: list[selectors.ParticipantClaim]) -> dict:
    now = timezone.now()
    total = sum((row.amounts.total for row in rows), Decimal(0))
    return {
        "rows": [(row, flow.participant_status(row.claim, now)) for row in rows],
        "total": total,
        "currency": settings.CURRENCY,
        "authority": settings.AUTHORITY_NAME,
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
