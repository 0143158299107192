"""Convocations open claims: one expense claim per convoked mission."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts.models import User
from claims.models import Claim, ClaimStatus, ConvocationRun
from imagin.audit import audit_log
from missions.models import Assignment, MissionType
from missions.services import assignment_convoke
from missions.travel import travel_eligible


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
