"""The participant's guided entry of a claim: when it is open, and its steps.

A claim is entered in steps (pretix's checkout flow): each step knows whether
it applies to the claim and what is still missing on it. The draft lives in
the database, so resuming means opening the first incomplete step. Nothing
here writes; `claims.services` does, and re-checks these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import FinancialFile
from claims.models import Claim, ClaimStatus, SupportingDocument, Trip
from missions.models import MissionType

Basis = MissionType.PaymentBasis
# What the participant types on the service step, by the mission's payment.
SERVICE_FIELDS = {
    Basis.PER_COPY: ("copies_declared",),
    Basis.PER_CANDIDATE: ("candidates_declared",),
    Basis.PER_HOUR: ("hours_declared", "schedule"),
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


def entry_closed_reason(claim: Claim, now: datetime | None = None) -> str:
    """Why the participant cannot type into this claim now ("" when they can).

    The caller loads the mission, its type and its exam's session.
    """
    now = now or timezone.now()
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.RETURNED):
        return str(READ_ONLY_REASONS[claim.status])
    mission = claim.assignment.mission
    if nothing_to_type(claim):
        if mission.mission_type.payment_basis == Basis.MANAGER_ENTERED:
            return _(
                "L'indemnité de cette mission (%(type)s) est saisie directement par "
                "la division des examens et concours : vous n'avez rien à saisir."
            ) % {"type": mission.mission_type.name}
        return _("Cette mission ne demande aucune saisie de votre part.")
    if mission.starts_at > now:
        return _(
            "La saisie de cet état de frais ouvrira au début de la mission, le "
            "%(date)s."
        ) % {"date": formats.date_format(timezone.localtime(mission.starts_at))}
    deadline = mission.exam.session.claim_deadline
    # A claim sent back for correction reopens whatever the date: the division
    # asked for it.
    if claim.status == ClaimStatus.DRAFT and timezone.localdate(now) > deadline:
        return _(
            "La date limite de saisie (%(deadline)s) est dépassée : cet état de "
            "frais ne peut plus être modifié. Pour toute demande, contactez : "
            "%(contact)s."
        ) % {
            "deadline": formats.date_format(deadline),
            "contact": settings.AUTHORITY_CONTACT,
        }
    return ""


# ------------------------------------------------------------------ steps


@dataclass(frozen=True)
class Step:
    name: str  # in the step's address
    title: Promise

    def is_applicable(self, claim: Claim) -> bool:
        return True

    def missing(self, claim: Claim) -> list[str]:
        """What is still to be entered on this step, in French; empty: complete."""
        return []

    def is_completed(self, claim: Claim) -> bool:
        return not self.missing(claim)


def step_draft(claim: Claim, step: str) -> object | None:
    """What was typed on `step` and kept because invalid, as stored; None if
    nothing is. Read defensively: the draft is JSON and may hold anything."""
    draft = claim.draft
    return draft.get(step) if isinstance(draft, dict) else None


def _draft_problem(claim: Claim, step: str) -> list[str]:
    if step_draft(claim, step) is not None:
        return [
            _(
                "Certaines valeurs saisies ne sont pas valides : corrigez-les "
                "(elles sont signalées sur l'étape)."
            )
        ]
    return []


class PerformedStep(Step):
    def missing(self, claim: Claim) -> list[str]:
        if self.name in claim.steps_done:  # "Oui, j'ai effectué la mission"
            return []
        return [_("Indiquez si vous avez effectué la mission.")]


# The quantities the service step cannot be completed without ("horaires" is
# optional), and what to say when one is blank.
REQUIRED_SERVICE_FIELDS = {
    "copies_declared": gettext_lazy("Le nombre de copies corrigées est à renseigner."),
    "candidates_declared": gettext_lazy(
        "Le nombre de candidats interrogés est à renseigner."
    ),
    "hours_declared": gettext_lazy("Le nombre d'heures est à renseigner."),
}


def blank_service_fields(claim: Claim, values=None) -> dict[str, str]:
    """Required service fields left blank (in `values`, else on the claim),
    each with its message."""

    def value(name):
        return values.get(name) if values is not None else getattr(claim, name)

    return {
        name: str(REQUIRED_SERVICE_FIELDS[name])
        for name in service_fields(claim)
        if name in REQUIRED_SERVICE_FIELDS and value(name) is None
    }


class ServiceStep(Step):
    def is_applicable(self, claim: Claim) -> bool:
        return participant_declares_service(claim)

    def missing(self, claim: Claim) -> list[str]:
        problems = _draft_problem(claim, self.name)
        problems += blank_service_fields(claim).values()
        if not problems and self.name not in claim.steps_done:
            problems.append(_("Vérifiez le service fait, puis continuez."))
        return problems


def service_fields(claim: Claim) -> tuple[str, ...]:
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


class TravelStep(Step):
    def is_applicable(self, claim: Claim) -> bool:
        return claim.has_travel_part and settings.TRAVEL_ENABLED

    def missing(self, claim: Claim) -> list[str]:
        problems = _draft_problem(claim, self.name)
        if self.name not in claim.steps_done:
            problems.append(
                _(
                    "Déclarez vos déplacements, ou indiquez que vous n'en avez pas, "
                    "puis continuez."
                )
            )
        if any(trip_missing(trip) for trip in claim.trips.all()):
            problems.append(
                _("Un trajet est incomplet (date, moyen, distance ou prix).")
            )
        if any(item.date is None for item in [*claim.meals.all(), *claim.nights.all()]):
            problems.append(_("Un repas ou une nuitée n'a pas de date."))
        return problems


class SummaryStep(Step):
    pass


STEPS: tuple[Step, ...] = (
    PerformedStep("mission", gettext_lazy("Mission effectuée")),
    ServiceStep("service", gettext_lazy("Service fait")),
    TravelStep("deplacement", gettext_lazy("Déplacements")),
    SummaryStep("recapitulatif", gettext_lazy("Récapitulatif et validation")),
)


def steps_for(claim: Claim) -> list[Step]:
    return [step for step in STEPS if step.is_applicable(claim)]


def step_named(claim: Claim, name: str) -> Step | None:
    return next((step for step in steps_for(claim) if step.name == name), None)


def current_step(claim: Claim) -> Step:
    """The first incomplete step: where the participant resumes."""
    steps = steps_for(claim)
    return next(
        (step for step in steps[:-1] if not step.is_completed(claim)), steps[-1]
    )


def previous_step(claim: Claim, step: Step) -> Step | None:
    steps = steps_for(claim)
    index = steps.index(step)
    return steps[index - 1] if index > 0 else None


def next_step(claim: Claim, step: Step) -> Step | None:
    steps = steps_for(claim)
    index = steps.index(step)
    return steps[index + 1] if index + 1 < len(steps) else None


def entry_problems(claim: Claim) -> list[str]:
    """Everything still missing before the claim can be validated."""
    return [problem for step in steps_for(claim) for problem in step.missing(claim)]


# ----------------------------------------------------- supporting documents


@dataclass(frozen=True)
class DocumentToSend:
    kind: str
    label: str
    why: str
    sent: bool


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
        needed.append((kinds.RIB, _("votre dossier financier n'est pas constitué")))
    elif financial_file.is_to_renew(now):
        needed.append((kinds.RIB, _("votre dossier financier est à renouveler")))
    return [
        DocumentToSend(kind, str(kinds(kind).label), why, kind in sent)
        for kind, why in needed
    ]


def participant_status(claim: Claim, now: datetime | None = None) -> str:
    """The claim's status in the participant's words (DOMAIN.md)."""
    now = now or timezone.now()
    if claim.status == ClaimStatus.DRAFT:
        mission = claim.assignment.mission
        if mission.starts_at > now:
            return _("Mission à venir")
        if nothing_to_type(claim):
            return _("Saisie par le gestionnaire")
        if timezone.localdate(now) > mission.exam.session.claim_deadline:
            return _("Date limite dépassée")
        if claim.is_started:
            return _("Saisie en cours — non validé")
        return _("Mission en cours — à saisir")
    return str(claim.get_status_display())
