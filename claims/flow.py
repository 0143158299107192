"""The participant's entry of a claim: when it is open, what they declare,
what they must send, and their claim's status in their words.

The steps of the entry themselves are `claims.steps`. Nothing here writes;
`claims.services` does, and re-checks these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import FinancialFile
from claims.models import (
    EDITABLE_BY_PARTICIPANT,
    Claim,
    ClaimStatus,
    SupportingDocument,
    Trip,
)
from missions.models import MissionType

Basis = MissionType.PaymentBasis
# What the participant types on the service step, by the mission's payment.
SERVICE_FIELDS: dict[str, tuple[str, ...]] = {
    Basis.PER_COPY: ("copies_declared",),
    Basis.PER_CANDIDATE: ("candidates_declared",),
    Basis.PER_HOUR: ("hours_declared", "schedule"),
    # A VAE jury member declares the applications examined (one per candidate).
    Basis.PER_APPLICATION: ("candidates_declared",),
}
# Why a claim the participant cannot type into is read-only, by status.
READ_ONLY_REASONS = {
    ClaimStatus.SUBMITTED: gettext_lazy(
        "Vous avez validé cet état de frais : la division des examens et concours "
        "le vérifie. Vous ne pouvez plus le modifier."
    ),
    ClaimStatus.NOT_PERFORMED: gettext_lazy(
        "Vous avez indiqué ne pas avoir effectué cette mission : la division des "
        "examens et concours en est informée. En cas d'erreur, contactez-la : elle "
        "peut vous renvoyer l'état de frais pour que vous le complétiez."
    ),
    ClaimStatus.APPROVED: gettext_lazy(
        "La division des examens et concours a validé cet état de frais ; il sera "
        "mis en paiement sans autre démarche de votre part."
    ),
    ClaimStatus.CLOSED: gettext_lazy(
        "La division des examens et concours a traité cet état de frais."
    ),
    ClaimStatus.NO_COST: gettext_lazy(
        "Cette mission ne donne lieu à aucun paiement (pas de frais) : il n'y a "
        "rien à saisir."
    ),
    ClaimStatus.CANCELLED: gettext_lazy(
        "La division des examens et concours a annulé cet état de frais. En cas "
        "d'erreur, contactez-la : elle peut le rétablir."
    ),
    ClaimStatus.IN_PAYMENT: gettext_lazy("Cet état de frais est mis en paiement."),
    ClaimStatus.PAID: gettext_lazy("Cet état de frais est payé."),
}


def participant_declares_service(claim: Claim) -> bool:
    return claim.assignment.mission.mission_type.payment_basis in SERVICE_FIELDS


def nothing_to_type(claim: Claim) -> bool:
    """The participant declares nothing on this claim (no quantity, no travel):
    the division decides it alone (an amount it enters, a flat fee)."""
    return not participant_declares_service(claim) and not claim.has_travel_part


class EntryState(Enum):
    """Where a claim stands for its participant's entry: the one rule that
    says whether it is open, read by the entry's closing message, the
    participant's status words and the reminders."""

    OPEN = "open"
    READ_ONLY = "read_only"  # a status the participant cannot type into
    NOTHING_TO_TYPE = "nothing_to_type"  # the division decides it alone
    NOT_STARTED = "not_started"  # opens at the start of the mission
    DEADLINE_PASSED = "deadline_passed"  # a draft after the session's deadline


def _day(value) -> str:
    """A day as the rest of the site writes it ("23 janvier 2027", "23 January
    2027"), not the English locale's default ("Jan. 23, 2027")."""
    return formats.date_format(value, "j F Y")


def entry_state(claim: Claim, now: datetime | None = None) -> EntryState:
    """The caller loads the mission, its type and its exam's session."""
    now = now or timezone.now()
    if claim.status not in EDITABLE_BY_PARTICIPANT:
        return EntryState.READ_ONLY
    mission = claim.assignment.mission
    if nothing_to_type(claim):
        return EntryState.NOTHING_TO_TYPE
    if mission.starts_at > now:
        return EntryState.NOT_STARTED
    # A claim sent back for correction reopens whatever the date: the division
    # asked for it.
    if (
        claim.status == ClaimStatus.DRAFT
        and timezone.localdate(now) > mission.exam.session.claim_deadline
    ):
        return EntryState.DEADLINE_PASSED
    return EntryState.OPEN


def entry_closed_reason(claim: Claim, now: datetime | None = None) -> str:
    """Why the participant cannot type into this claim now ("" when they can)."""
    state = entry_state(claim, now)
    mission = claim.assignment.mission
    if state is EntryState.READ_ONLY:
        return str(READ_ONLY_REASONS[ClaimStatus(claim.status)])
    if state is EntryState.NOTHING_TO_TYPE:
        if mission.mission_type.payment_basis == Basis.MANAGER_ENTERED:
            return _(
                "L'indemnité de cette mission (%(type)s) est saisie directement par "
                "la division des examens et concours : vous n'avez rien à saisir."
            ) % {"type": mission.mission_type.name}
        return _("Cette mission ne demande aucune saisie de votre part.")
    if state is EntryState.NOT_STARTED:
        return _(
            "La saisie de cet état de frais ouvrira au début de la mission, le "
            "%(date)s."
        ) % {"date": _day(timezone.localtime(mission.starts_at))}
    if state is EntryState.DEADLINE_PASSED:
        return _(
            "La date limite de saisie (%(deadline)s) est dépassée : cet état de "
            "frais ne peut plus être modifié. Pour toute demande, contactez : "
            "%(contact)s."
        ) % {
            "deadline": _day(mission.exam.session.claim_deadline),
            "contact": settings.AUTHORITY_CONTACT,
        }
    return ""


# ------------------------------------------------ what the steps ask for


def service_fields(claim: Claim) -> tuple[str, ...]:
    """What the participant declares on the service step, for this claim."""
    mission_type = claim.assignment.mission.mission_type
    fields = SERVICE_FIELDS.get(mission_type.payment_basis, ())
    if mission_type.counts_candidates and "candidates_declared" not in fields:
        fields = ("candidates_declared", *fields)
    return fields


def trip_missing(trip: Trip) -> bool:
    if trip.date is None or not trip.mode:
        return True
    if trip.mode == Trip.Mode.CAR:
        return trip.fiscal_horsepower is None or trip.kilometres is None
    return trip.fare is None


# ----------------------------------------------------- supporting documents


@dataclass(frozen=True)
class DocumentToSend:
    kind: str
    label: str
    why: str
    sent: bool


FINANCIAL_FILE_MISSING = gettext_lazy("votre dossier financier n'est pas constitué")
FINANCIAL_FILE_TO_RENEW = gettext_lazy("votre dossier financier est à renouveler")


def documents_to_send(
    claim: Claim, financial_file: FinancialFile | None, now: datetime | None = None
) -> list[DocumentToSend]:
    """The justificatifs this claim needs, and whether one was uploaded."""
    now = now or timezone.now()
    sent = {document.kind for document in claim.documents.all()}
    kinds = SupportingDocument.Kind
    needed: list[tuple[str, str]] = []
    if claim.has_travel_part:
        if any(trip.mode == Trip.Mode.PUBLIC_TRANSPORT for trip in claim.trips.all()):
            needed.append(
                (kinds.TRANSPORT, _("pour vos trajets en transport en commun"))
            )
        if claim.nights.all():
            needed.append((kinds.HOTEL, _("pour vos nuitées")))
    if financial_file is None:
        needed.append((kinds.RIB, str(FINANCIAL_FILE_MISSING)))
    elif financial_file.is_to_renew(now):
        needed.append((kinds.RIB, str(FINANCIAL_FILE_TO_RENEW)))
    return [
        DocumentToSend(kind, str(kinds(kind).label), why, kind in sent)
        for kind, why in needed
    ]


def participant_status(claim: Claim, now: datetime | None = None) -> str:
    """The claim's status in the participant's words (as the ministry's
    service shows them), from the same rule as the entry (`entry_state`)."""
    if claim.status != ClaimStatus.DRAFT:
        # The enumeration's label: get_status_display() rebuilds the choices'
        # mapping at every call, a twentieth of the claim list's time.
        return str(ClaimStatus(claim.status).label)
    state = entry_state(claim, now)
    if state is EntryState.NOTHING_TO_TYPE:
        return _("Saisie par le gestionnaire")
    if state is EntryState.NOT_STARTED:
        return _("Mission à venir")
    if state is EntryState.DEADLINE_PASSED:
        return _("Date limite dépassée")
    if claim.is_started:
        return _("Saisie en cours — non validé")
    return _("Mission en cours — à saisir")


def participant_next_step(claim: Claim, now: datetime | None = None) -> str:
    """What the participant has to do next with this claim, or who acts next,
    in one short sentence for the claim list ("" when nothing is left)."""
    state = entry_state(claim, now)
    mission = claim.assignment.mission
    deadline = _day(mission.exam.session.claim_deadline)
    if state is EntryState.OPEN:
        if claim.status == ClaimStatus.RETURNED:
            return _("À corriger, puis à valider de nouveau")
        if claim.is_started:
            return _("Saisie à terminer et à valider avant le %(deadline)s") % {
                "deadline": deadline
            }
        return _("À saisir et à valider avant le %(deadline)s") % {"deadline": deadline}
    if state is EntryState.NOT_STARTED:
        return _("Saisie possible à partir du %(date)s") % {
            "date": _day(timezone.localtime(mission.starts_at))
        }
    if state is EntryState.DEADLINE_PASSED:
        return _("Contactez la division des examens et concours")
    if state is EntryState.NOTHING_TO_TYPE:
        return _("Rien à saisir : la division s'en charge")
    return str(WAITING_FOR.get(ClaimStatus(claim.status), ""))


# Who acts next once the participant has nothing more to type.
WAITING_FOR = {
    ClaimStatus.SUBMITTED: gettext_lazy("En cours de vérification par la division"),
    ClaimStatus.APPROVED: gettext_lazy("En attente de mise en paiement"),
    ClaimStatus.IN_PAYMENT: gettext_lazy("Paiement en cours"),
}


def participant_badge(claim: Claim, now: datetime | None = None) -> str:
    """The DSFR badge colour of the claim's status in the claim list: what
    needs the participant stands out (warning, error), what is done is green."""
    if claim.status == ClaimStatus.RETURNED:
        return "error"
    if claim.status == ClaimStatus.DRAFT:
        state = entry_state(claim, now)
        if state is EntryState.DEADLINE_PASSED:
            return "error"
        return "warning" if state is EntryState.OPEN else "info"
    if claim.status in (ClaimStatus.APPROVED, ClaimStatus.IN_PAYMENT):
        return "info"
    if claim.status == ClaimStatus.PAID:
        return "success"
    return "new" if claim.status == ClaimStatus.SUBMITTED else ""
