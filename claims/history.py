"""A claim's history as its participant and the division read it: who did
what, when and why, from the audit log, in words: a short label (`what`) and
the sentence of the back-office's log (`sentence`, `imagin.audit_sentences`:
« Paul Durand a validé son état de frais n° 12 »). The reason is shown apart
(`why`), so left out of the sentence.

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
from imagin.audit_sentences import actor_name, sentence

SAVED = "claims.claim.saved"

# The short words of the history's "what" column.
HISTORY_LABELS = {
    "claims.claim.opened": _("État de frais ouvert par la convocation"),
    "claims.claim.saved": _("Saisie enregistrée"),
    "claims.claim.submitted": _("Validé par l'intervenant"),
    "claims.claim.not_performed": _("Mission déclarée non effectuée"),
    "claims.claim.returned": _("Renvoyé pour correction"),
    "claims.claim.approved": _("Validé par le gestionnaire"),
    "claims.claim.document_added": _("Justificatif déposé"),
    "claims.claim.corrected": _("Quantités retenues corrigées par le gestionnaire"),
    "claims.claim.travel_corrected": _(
        "Frais de déplacement corrigés par le gestionnaire"
    ),
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
    # The same event in one sentence, as the back-office's log says it.
    sentence: str = ""


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
    fields = ("created_at", "actor_label", "action", "data", "target_type")
    for event in events.only(*fields, "target_id", "from_status", "to_status"):
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
                sentence=ngettext(
                    "%(actor)s a enregistré sa saisie %(n)d fois",
                    "%(actor)s a enregistré sa saisie %(n)d fois",
                    saves,
                )
                % {"n": saves, "actor": actor_name(event)},
            )
            continue
        saves = 1 if event.action == SAVED else 0
        said = sentence(event, claim, details=False)
        entries.append(
            HistoryEntry(
                when=event.created_at,
                who=event.actor_label,
                what=str(HISTORY_LABELS.get(event.action, "")) or said,
                why=next((event.data[key] for key in keys if event.data.get(key)), ""),
                sentence=said,
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
