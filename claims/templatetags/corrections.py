"""`{% claim_corrections claim as corrected %}`: the quantities a manager
corrected on a claim, each declared beside validated, with the manager's
reason, for the décompte on the claim pages, the recap PDF and the e-mails.

A correction (`claims.services.review.claim_correct`) sets the claim's
`*_validated` fields and leaves the `*_declared` ones as typed; its reason is
kept in the audit event "claims.claim.corrected" (as `history.return_reason`
reads a send-back's). Nothing corrected: no query.

`{{ trip|travel_correction:claim.currency }}`: what the division corrected on
a travel line (declared beside retained, or struck) and why, "" when
nothing (`claims.travel_corrections`; the line's own fields, no query). The
décompte says it too, in the explanation of the line it prices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.utils.translation import gettext_lazy as _

from claims.models import Claim
from claims.money import format_quantity
from claims.travel_corrections import correction_words
from imagin.audit import AuditEvent

register = template.Library()

CORRECTED = "claims.claim.corrected"
# (declared field, validated field, what they count)
QUANTITIES = (
    ("copies_declared", "copies_validated", _("Copies corrigées")),
    ("candidates_declared", "candidates_validated", _("Candidats interrogés")),
    ("hours_declared", "hours_validated", _("Heures")),
)


@dataclass(frozen=True)
class Correction:
    label: str
    declared: str
    validated: str


@dataclass(frozen=True)
class Corrections:
    rows: list[Correction] = field(default_factory=list)
    reason: str = ""

    def __bool__(self) -> bool:
        return bool(self.rows)


def correction_reason(claim: Claim) -> str:
    """The manager's reason for the latest correction ("" if none)."""
    event = (
        AuditEvent.objects.for_object(claim)
        .filter(action=CORRECTED)
        .order_by("-created_at", "-pk")
        .first()
    )
    return str(event.data.get("reason", "")) if event else ""


def claim_corrections_of(claim: Claim) -> Corrections:
    """Each quantity the division validated, declared beside validated, and
    the manager's reason; empty when nothing was corrected."""
    rows = [
        Correction(
            str(label),
            format_quantity(getattr(claim, declared)),
            format_quantity(validated),
        )
        for declared, kept, label in QUANTITIES
        if (validated := getattr(claim, kept)) is not None
    ]
    if not rows:
        return Corrections()
    return Corrections(rows, correction_reason(claim))


@register.simple_tag
def claim_corrections(claim: Claim) -> Corrections:
    return claim_corrections_of(claim)


@register.filter
def travel_correction(line, currency: str = "EUR") -> str:
    return correction_words(line, currency)
