"""Writes on expense claims.

Each service takes the acting user, runs in one transaction on a locked row,
checks the transition table and appends an audit event.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from claims import amounts, selectors
from claims.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimLine,
    ClaimStatus,
    ConvocationRun,
)
from imagin.audit import audit_log
from imagin.workflow import apply_transition
from missions.models import Assignment, MissionType
from missions.services import assignment_convoke
from missions.travel import travel_eligible

# ClaimLine.unit_rate keeps four decimals: enough for 75 % of 4,11 € (3,0825).
UNIT_RATE_PLACES = Decimal("0.0001")


def convocation_issue(
    *, assignment: Assignment, by: User, run: ConvocationRun | None = None
) -> Claim:
    """Convoke an assigned participant and open the claim of that convocation.

    Idempotent: a convocation already issued returns its existing claim, so a
    run repeated after an interruption never creates a second claim.
    """
    with transaction.atomic():
        # Lock only the assignment: the joined rows (communes, the mission) are
        # shared by many convocations, and PostgreSQL refuses to lock outer joins.
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related(
                "mission__mission_type",
                "mission__centre__commune",
                "participant__commune",
                "participant__establishment__commune",
            )
            .get(pk=assignment.pk)
        )
        existing = Claim.objects.filter(assignment=locked).first()
        if existing is not None:
            return existing
        assignment_convoke(assignment=locked, by=by)
        mission = locked.mission
        has_travel_part = travel_eligible(
            participant=locked.participant, mission=mission
        )
        unpaid = mission.mission_type.payment_basis == MissionType.PaymentBasis.UNPAID
        # An unpaid mission may still have travel to declare; only a claim with
        # nothing at all to pay is "pas de frais".
        nothing_payable = unpaid and not has_travel_part
        claim = Claim.objects.create(
            assignment=locked,
            status=ClaimStatus.NO_COST if nothing_payable else ClaimStatus.DRAFT,
            has_travel_part=has_travel_part,
            currency=settings.CURRENCY,
            run=run,
        )
        audit_log(
            actor=by,
            action="claims.claim.opened",
            target=claim,
            to_status=claim.status,
            data={"has_travel_part": claim.has_travel_part, "run": run and run.pk},
        )
        return claim


def _approvable(claim: Claim) -> bool:
    """Submitted by the participant; or, when the participant has nothing to
    declare (amount entered by the manager, no travel part), still a draft."""
    if claim.status == ClaimStatus.SUBMITTED:
        return True
    basis = claim.assignment.mission.mission_type.payment_basis
    return (
        claim.status == ClaimStatus.DRAFT
        and basis == MissionType.PaymentBasis.MANAGER_ENTERED
        and not claim.has_travel_part
    )


def claim_approve(*, claim: Claim, by: User) -> Claim:
    """A manager validates a claim: its amounts are computed and frozen.

    The lines are written with the rate that applied, and the claim's amounts
    never change afterwards, even if a rate table is edited. Refused
    (PermissionDenied) on one's own claim; refused (ValidationError, listing
    every problem) when something is missing to price it; TransitionNotAllowed
    when its status does not allow validation.
    """
    with transaction.atomic():
        locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
        locked = selectors.claim_for_pricing(locked.pk)
        if locked.assignment.participant_id == by.pk:
            raise PermissionDenied(
                _("Vous ne pouvez pas décider de votre propre état de frais.")
            )
        if not _approvable(locked):
            raise ValidationError(
                _(
                    "Seul un état de frais validé par l'intervenant peut être validé "
                    "par le gestionnaire (statut actuel : %(status)s)."
                )
                % {"status": locked.get_status_display()}
            )
        priced = amounts.compute(
            selectors.claim_input(locked), selectors.rate_book(locked.currency)
        )
        if priced.problems:
            raise ValidationError(list(priced.problems))
        locked.lines.all().delete()
        ClaimLine.objects.bulk_create(
            ClaimLine(
                claim=locked,
                kind=line.kind,
                label=line.label[:250],
                date=line.date,
                quantity=line.quantity,
                unit_rate=line.unit_rate.quantize(UNIT_RATE_PLACES),
                amount=line.amount,
            )
            for line in priced.lines
        )
        locked.remuneration_amount = priced.remuneration
        locked.travel_amount = priced.travel
        locked.approved_at = timezone.now()
        locked.version += 1
        apply_transition(
            locked,
            table=CLAIM_TRANSITIONS,
            to_status=ClaimStatus.APPROVED,
            by=by,
            action="claims.claim.approved",
            data={
                "remuneration_amount": str(priced.remuneration),
                "travel_amount": str(priced.travel),
                "currency": locked.currency,
            },
            update_fields=[
                "remuneration_amount",
                "travel_amount",
                "approved_at",
                "version",
                "updated_at",
            ],
        )
        return locked
