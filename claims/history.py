"""A claim's history as its participant and the division read it: who did
what, when and why, from the audit log, in words.

Saves in a row by the same person read as one line ("Saisie enregistrée
12 fois"): a teacher who saves at every field would otherwise fill the page
with them, and every step page shows the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from claims.models import Claim
from imagin.audit import AuditEvent

SAVED = "claims.claim.saved"

HISTORY_LABELS = {
    "claims.claim.opened": _("État de frais ouvert par la convocation"),
    "claims.claim.saved": _("Saisie enregistrée"),
    "claims.claim.submitted": _("Validé par l'intervenant"),
    "claims.claim.not_performed": _("Mission déclarée non effectuée"),
    "claims.claim.returned": _("Renvoyé pour correction"),
    "claims.claim.approved": _("Validé par le gestionnaire"),
    "claims.claim.document_added": _("Justificatif déposé"),
    "claims.claim.corrected": _("Quantités retenues corrigées par le gestionnaire"),
    "claims.claim.amount_entered": _("Montant saisi par le gestionnaire"),
    "claims.claim.cancelled": _("Annulé par le gestionnaire"),
    "claims.claim.restored": _("Rétabli par le gestionnaire"),
    "claims.claim.closed": _("Mission non effectuée prise en compte (clos à zéro)"),
    "claims.claim.in_payment": _("Mis en paiement"),
    "claims.claim.payment_cancelled": _("Retiré de la mise en paiement (lot annulé)"),
    "claims.claim.paid": _("Payé"),
    "claims.claim.reminded": _("Relance envoyée : la date limite approche"),
}


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    what: str
    why: str


def claim_history(claim: Claim, for_staff: bool = False) -> list[HistoryEntry]:
    """Who did what on the claim, when and why, oldest first (one query).

    The division's own notes (on an amount entered, a closure) are shown to
    staff only; reasons and the participant's comments to everyone. Saves in
    a row by the same person are one entry, dated by the last of them.
    """
    keys = ("reason", "comment", "note") if for_staff else ("reason", "comment")
    entries: list[HistoryEntry] = []
    saves = 0  # saves folded into the last entry
    events = AuditEvent.objects.for_object(claim).order_by("created_at", "pk")
    for event in events.only("created_at", "actor_label", "action", "data"):
        if event.action == SAVED and saves and entries[-1].who == event.actor_label:
            saves += 1
            entries[-1] = HistoryEntry(
                when=event.created_at,
                who=event.actor_label,
                # Two saves at least here (one is the plain label).
                what=ngettext(
                    "Saisie enregistrée %(n)d fois",
                    "Saisie enregistrée %(n)d fois",
                    saves,
                )
                % {"n": saves},
                why="",
            )
            continue
        saves = 1 if event.action == SAVED else 0
        entries.append(
            HistoryEntry(
                when=event.created_at,
                who=event.actor_label,
                what=str(HISTORY_LABELS.get(event.action, event.action)),
                why=next((event.data[key] for key in keys if event.data.get(key)), ""),
            )
        )
    return entries


def return_reason(claim: Claim) -> str:
    """The manager's reason for the latest send-back ("" if none)."""
    event = (
        AuditEvent.objects.for_object(claim)
        .filter(action="claims.claim.returned")
        .order_by("-created_at", "-pk")
        .first()
    )
    return event.data.get("reason", "") if event else ""
