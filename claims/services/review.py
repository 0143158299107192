"""The exam division's decisions on a claim.

Validate (freezing the amounts), send back for correction, correct the
validated quantities, cancel and restore, close a mission not performed at
zero, and enter the amount of a manager-entered mission. Each decision is a
service taking the acting manager: one transaction on the locked claim, the
decision's guard (the same one the back-office calls to grey out a button and
say why), the change, an audit event, and the participant's e-mail once
committed. Nobody decides on their own claim.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from claims import amounts, flow, notifications, plausibility, selectors
from claims.models import CLAIM_TRANSITIONS, Claim, ClaimLine, ClaimStatus
from claims.rate_book import RateBook
from claims.travel_corrections import restore_declared, travel_refusal
from imagin.audit import audit_log
from imagin.workflow import apply_transition
from missions.certificates import certified_present
from missions.models import MissionType

# ClaimLine.unit_rate keeps four decimals: enough for 75 % of 4,11 € (3,0825).
UNIT_RATE_PLACES = Decimal("0.0001")
QUANTITY_PLACES = Decimal("0.01")
S = ClaimStatus
# What a manager's validation (or closure) freezes, and a send-back clears.
FROZEN_FIELDS = ("remuneration_amount", "travel_amount", "approved_at")


class Decision(StrEnum):
    """The decisions of the back-office; the value is in the decision's URL."""

    APPROVE = "valider"
    RETURN = "renvoyer"
    CORRECT = "corriger"
    CORRECT_TRAVEL = "corriger-deplacements"
    CANCEL = "annuler"
    RESTORE = "retablir"
    CLOSE = "clore"
    AMOUNT = "montant"


# --------------------------------------------------------------- guards


def _status(claim: Claim) -> str:
    return str(claim.get_status_display())


def _approve_refusal(claim: Claim) -> str:
    if claim.status != S.SUBMITTED and not (
        claim.is_editable_by_participant and flow.nothing_to_type(claim)
    ):
        return _(
            "Seul un état de frais validé par l'intervenant peut être validé par le "
            "gestionnaire (statut actuel : %(status)s)."
        ) % {"status": _status(claim)}
    mission = claim.assignment.mission
    if claim.status != S.SUBMITTED and mission.starts_at > timezone.now():
        # Work is paid once done: the participant could not have validated it
        # before either (entry opens when the mission starts).
        return _(
            "La mission n'a pas encore commencé : elle se valide une fois faite "
            "(début le %(start)s)."
        ) % {"start": date_format(timezone.localtime(mission.starts_at), "j F Y H:i")}
    basis = mission.mission_type.payment_basis
    if (
        basis == MissionType.PaymentBasis.MANAGER_ENTERED
        and claim.manager_amount is None
    ):
        return _(
            "Le montant de cette mission est saisi par le gestionnaire : "
            "saisissez-le avant de valider."
        )
    # Where the paying authority asks for it, the centre head certifies the
    # service done before the division validates (missions.certification).
    if settings.SERVICE_FAIT_REQUIRED and not certified_present(claim.assignment):
        return _("Le chef de centre n'a pas encore certifié le service fait.")
    return ""


def _return_refusal(claim: Claim) -> str:
    if claim.status in (S.SUBMITTED, S.NOT_PERFORMED, S.APPROVED):
        return ""
    return _(
        "Seul un état de frais validé par l'intervenant, déclaré non effectué ou "
        "validé par le gestionnaire peut être renvoyé pour correction (statut "
        "actuel : %(status)s)."
    ) % {"status": _status(claim)}


def correctable_fields(claim: Claim) -> tuple[str, ...]:
    """The validated quantities a manager may set on this claim, e.g.
    ("copies_validated",): one per quantity the participant declares."""
    return tuple(
        name.replace("_declared", "_validated")
        for name in flow.service_fields(claim)
        if name.endswith("_declared")
    )


def _correct_refusal(claim: Claim) -> str:
    if not correctable_fields(claim):
        return _("Cette mission n'a pas de quantité déclarée à corriger.")
    if claim.status != S.SUBMITTED:
        return _(
            "Les quantités retenues se corrigent sur un état de frais validé par "
            "l'intervenant, avant la validation du gestionnaire (statut actuel : "
            "%(status)s)."
        ) % {"status": _status(claim)}
    return ""


def _cancel_refusal(claim: Claim) -> str:
    if CLAIM_TRANSITIONS.check(claim.status, S.CANCELLED)[0]:
        return ""
    if claim.status == S.IN_PAYMENT:
        return _(
            "Cet état de frais est dans une mise en paiement : annulez d'abord le "
            "lot (s'il n'est pas encore exporté)."
        )
    return _("Un état de frais au statut « %(status)s » ne peut pas être annulé.") % {
        "status": _status(claim)
    }


def _restore_refusal(claim: Claim) -> str:
    if claim.status == S.CANCELLED and claim.status_before_cancel:
        return ""
    return _("Seul un état de frais annulé peut être rétabli.")


def _close_refusal(claim: Claim) -> str:
    if claim.status == S.NOT_PERFORMED:
        return ""
    return _(
        "Seule une mission déclarée non effectuée par l'intervenant se clôt à zéro "
        "(statut actuel : %(status)s)."
    ) % {"status": _status(claim)}


def _amount_refusal(claim: Claim) -> str:
    basis = claim.assignment.mission.mission_type.payment_basis
    if basis != MissionType.PaymentBasis.MANAGER_ENTERED:
        return _("Le montant de cette mission se calcule d'après les barèmes.")
    if claim.status not in (S.DRAFT, S.RETURNED, S.SUBMITTED):
        return _(
            "Le montant se saisit avant la validation (statut actuel : %(status)s)."
        ) % {"status": _status(claim)}
    return ""


GUARDS = {
    Decision.APPROVE: _approve_refusal,
    Decision.RETURN: _return_refusal,
    Decision.CORRECT: _correct_refusal,
    Decision.CORRECT_TRAVEL: travel_refusal,
    Decision.CANCEL: _cancel_refusal,
    Decision.RESTORE: _restore_refusal,
    Decision.CLOSE: _close_refusal,
    Decision.AMOUNT: _amount_refusal,
}


def is_own_claim(claim: Claim, by: User) -> bool:
    return claim.assignment.participant_id == by.pk


def can_decide(claim: Claim, by: User, decision: Decision) -> tuple[bool, str]:
    """(allowed, reason): whether `by` may take `decision` on the claim now,
    and why not, in French. The caller loads the mission and its type."""
    if is_own_claim(claim, by):
        return False, _(
            "C'est votre propre état de frais : un autre gestionnaire doit en décider."
        )
    reason = GUARDS[decision](claim)
    return not reason, reason


def _lock(claim: Claim, by: User, decision: Decision) -> Claim:
    """The claim, locked and loaded for pricing, if `by` may take `decision`.

    Raises PermissionDenied on one's own claim, ValidationError otherwise.
    """
    # One query: the claim's row locked, its mission and people joined.
    locked = (
        selectors.claims_for_pricing().select_for_update(of=("self",)).get(pk=claim.pk)
    )
    allowed, reason = can_decide(locked, by, decision)
    if not allowed:
        if is_own_claim(locked, by):
            raise PermissionDenied(reason)
        raise ValidationError(reason)
    return locked


def refusal_text(error: Exception) -> str:
    """A refusal (ValidationError, PermissionDenied…) as one sentence or several,
    for the report of a decision on many claims."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Action refusée.")


def _required(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message)
    return reason


# ------------------------------------------------------------ decisions


def approval_amounts(
    claim: Claim, book: RateBook, counted: list[tuple] | None = None
) -> amounts.Amounts:
    """The amounts a validation freezes; raises ValidationError listing every
    problem that prevents pricing the claim. `counted`: the participant's car
    kilometres already counted (`selectors.counted_car_trips`), when many
    claims are priced at once."""
    # The frozen lines are the administration's record, written in French
    # whatever language the manager reads the back-office in.
    with translation.override(settings.LANGUAGE_CODE):
        priced = amounts.compute(selectors.claim_input(claim, counted), book)
    if priced.problems:
        # The problems are for the manager: in the manager's language.
        priced = amounts.compute(selectors.claim_input(claim, counted), book)
        raise ValidationError(list(priced.problems))
    return priced


def frozen_lines(claim: Claim, priced: amounts.Amounts) -> list[ClaimLine]:
    """The claim's lines as validated: each with the rate that applied."""
    return [
        ClaimLine(
            claim=claim,
            kind=line.kind,
            label=line.label[:250],
            date=line.date,
            # Hours from minutes (175 min = 2,9166… h) kept to the hundredth;
            # the detail says the exact computation.
            quantity=line.quantity.quantize(QUANTITY_PLACES),
            unit_rate=line.unit_rate.quantize(UNIT_RATE_PLACES),
            amount=line.amount,
            # In French, as the label (`approval_amounts`).
            detail=line.explanation,
        )
        for line in priced.lines
    ]


def claim_approve(*, claim: Claim, by: User, book: RateBook | None = None) -> Claim:
    """A manager validates a claim: its amounts are computed and frozen.

    The lines are written with the rate that applied, and the claim's amounts
    never change afterwards, even if a rate table is edited. Pass `book` (from
    `selectors.rate_book`) when validating many claims. Raises
    PermissionDenied on one's own claim, ValidationError when the status does
    not allow it or something is missing to price it (every problem listed).
    E-mails the participant once committed.
    """
    with transaction.atomic():
        locked = _lock(claim, by, Decision.APPROVE)
        if book is None or book.currency != locked.currency:
            book = selectors.rate_book(locked.currency)
        priced = approval_amounts(locked, book)
        locked.lines.all().delete()
        ClaimLine.objects.bulk_create(frozen_lines(locked, priced))
        locked.remuneration_amount = priced.remuneration
        locked.travel_amount = priced.travel
        locked.approved_at = timezone.now()
        locked.version += 1
        apply_transition(
            locked,
            table=CLAIM_TRANSITIONS,
            to_status=S.APPROVED,
            by=by,
            action="claims.claim.approved",
            data={
                "remuneration_amount": str(priced.remuneration),
                "travel_amount": str(priced.travel),
                "currency": locked.currency,
            },
            update_fields=[*FROZEN_FIELDS, "version", "updated_at"],
        )
        notifications.claim_decided(locked, "approved")
        return locked


def claim_return(*, claim: Claim, by: User, reason: str) -> Claim:
    """A manager sends a claim back to its participant for correction.

    The reason is mandatory and e-mailed to the participant; everything
    declared is kept, and the claim opens again for entry. What the division
    had decided goes: amounts frozen by an earlier validation, quantities and
    travel lines it had corrected (the participant's new declaration is what
    it checks next), and the amount it had entered for a mission the
    participant has nothing to type into (it enters it again, the claim being
    back in its "amount to enter" list).
    """
    reason = _required(reason, _("Indiquez le motif du renvoi pour correction."))
    with transaction.atomic():
        locked = _lock(claim, by, Decision.RETURN)
        locked.lines.all().delete()
        locked.remuneration_amount = locked.travel_amount = locked.approved_at = None
        locked.copies_validated = locked.candidates_validated = None
        locked.hours_validated = None
        if locked.has_travel_part:
            restore_declared([locked.pk])
        if flow.nothing_to_type(locked):
            locked.manager_amount = None
        locked.version += 1
        apply_transition(
            locked,
            table=CLAIM_TRANSITIONS,
            to_status=S.RETURNED,
            by=by,
            action="claims.claim.returned",
            data={"reason": reason},
            update_fields=[
                *FROZEN_FIELDS,
                "copies_validated",
                "candidates_validated",
                "hours_validated",
                "manager_amount",
                "version",
                "updated_at",
            ],
        )
        # Someone with nothing to type (an amount the division enters) has
        # nothing to correct: the division re-enters the amount itself.
        if not flow.nothing_to_type(locked):
            notifications.claim_decided(locked, "returned", reason=reason)
        return locked


def claim_correct(
    *, claim: Claim, by: User, quantities: dict[str, object], reason: str
) -> Claim:
    """A manager sets the validated quantities (copies, candidates, hours) of a
    submitted claim, with a reason; the declared ones stay as they were.

    `quantities` maps `correctable_fields(claim)` to a value, or None to go
    back to the declared quantity. Raises ValidationError for a missing
    reason, an unknown field or a status that does not allow it.
    """
    reason = _required(reason, _("Indiquez le motif de la correction."))
    with transaction.atomic():
        locked = _lock(claim, by, Decision.CORRECT)
        allowed = correctable_fields(locked)
        unknown = set(quantities) - set(allowed)
        if unknown:
            raise ValidationError(
                _("Quantité inconnue pour cette mission : %s.") % ", ".join(unknown)
            )
        before = {name: getattr(locked, name) for name in quantities}
        for name, value in quantities.items():
            setattr(locked, name, value)
        locked.version += 1
        # The corrected quantities may clear (or raise) the volume point.
        locked.plausibility_codes = plausibility.codes_to_store(locked)
        locked.save(
            update_fields=[*quantities, "plausibility_codes", "version", "updated_at"]
        )
        audit_log(
            actor=by,
            action="claims.claim.corrected",
            target=locked,
            data={
                "reason": reason,
                "before": {k: _as_text(v) for k, v in before.items()},
                "after": {k: _as_text(v) for k, v in quantities.items()},
            },
        )
        return locked


def _as_text(value: object) -> str | None:
    """A quantity as the audit event keeps it: its text (Decimal or int), or None."""
    return None if value is None else str(value)


def claim_enter_amount(
    *, claim: Claim, by: User, amount: Decimal, reason: str = ""
) -> Claim:
    """A manager enters the indemnity of a manager-entered mission (e.g.
    surveillance), before validating it.

    The participant never types this field, so their open form stays valid:
    the claim's version is left alone. Raises ValidationError when the
    mission is paid from the rate tables or the claim is already validated.
    """
    if amount is None or amount < 0:
        raise ValidationError(_("Le montant ne peut pas être négatif."))
    with transaction.atomic():
        locked = _lock(claim, by, Decision.AMOUNT)
        before = locked.manager_amount
        locked.manager_amount = amount
        locked.save(update_fields=["manager_amount", "updated_at"])
        audit_log(
            actor=by,
            action="claims.claim.amount_entered",
            target=locked,
            data={
                "amount": str(amount),
                "before": _as_text(before),
                "currency": locked.currency,
                # A note for the division, not shown to the participant.
                "note": reason.strip(),
            },
        )
        return locked


def claim_cancel(*, claim: Claim, by: User, reason: str) -> Claim:
    """A manager cancels a claim, with a reason, e-mailed to the participant.

    What it had is kept, frozen amounts included, so that `claim_restore`
    gives it back as it was.
    """
    reason = _required(reason, _("Indiquez le motif de l'annulation."))
    with transaction.atomic():
        locked = _lock(claim, by, Decision.CANCEL)
        locked.status_before_cancel = locked.status
        locked.version += 1
        apply_transition(
            locked,
            table=CLAIM_TRANSITIONS,
            to_status=S.CANCELLED,
            by=by,
            action="claims.claim.cancelled",
            data={"reason": reason},
            update_fields=["status_before_cancel", "version", "updated_at"],
        )
        notifications.claim_decided(locked, "cancelled", reason=reason)
        return locked


def claim_restore(*, claim: Claim, by: User, reason: str) -> Claim:
    """A manager restores a cancelled claim to the status it had before, with a
    reason, e-mailed to the participant."""
    reason = _required(reason, _("Indiquez le motif du rétablissement."))
    with transaction.atomic():
        locked = _lock(claim, by, Decision.RESTORE)
        previous = locked.status_before_cancel
        locked.status_before_cancel = ""
        locked.version += 1
        apply_transition(
            locked,
            table=CLAIM_TRANSITIONS,
            to_status=previous,
            by=by,
            action="claims.claim.restored",
            data={"reason": reason},
            update_fields=["status_before_cancel", "version", "updated_at"],
        )
        notifications.claim_decided(locked, "restored", reason=reason)
        return locked


def claim_close_not_performed(*, claim: Claim, by: User, comment: str = "") -> Claim:
    """A manager acknowledges a mission the participant did not perform: the
    claim closes at zero (frozen amounts of 0, no line)."""
    with transaction.atomic():
        locked = _lock(claim, by, Decision.CLOSE)
        locked.lines.all().delete()
        locked.remuneration_amount = locked.travel_amount = Decimal(0)
        locked.approved_at = timezone.now()
        locked.version += 1
        apply_transition(
            locked,
            table=CLAIM_TRANSITIONS,
            to_status=S.CLOSED,
            by=by,
            action="claims.claim.closed",
            data={"note": comment.strip()},
            update_fields=[*FROZEN_FIELDS, "version", "updated_at"],
        )
        return locked
