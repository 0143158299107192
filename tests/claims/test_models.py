"""Claim invariants and the claim transition table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from claims.models import CLAIM_TRANSITIONS, Claim, ClaimLine, ClaimStatus

S = ClaimStatus

# Every move the service layer will offer; anything else must be refused.
ALLOWED = {
    (S.DRAFT, S.SUBMITTED),
    (S.DRAFT, S.NOT_PERFORMED),
    (S.DRAFT, S.APPROVED),
    (S.DRAFT, S.CANCELLED),
    (S.RETURNED, S.SUBMITTED),
    (S.RETURNED, S.NOT_PERFORMED),
    # Only a claim the participant has nothing to type into (review service).
    (S.RETURNED, S.APPROVED),
    (S.RETURNED, S.CANCELLED),
    (S.SUBMITTED, S.APPROVED),
    (S.SUBMITTED, S.RETURNED),
    (S.SUBMITTED, S.CANCELLED),
    (S.NOT_PERFORMED, S.CLOSED),
    (S.NOT_PERFORMED, S.RETURNED),
    (S.NOT_PERFORMED, S.CANCELLED),
    (S.APPROVED, S.IN_PAYMENT),
    (S.APPROVED, S.RETURNED),
    (S.APPROVED, S.CANCELLED),
    (S.NO_COST, S.CANCELLED),
    (S.CLOSED, S.CANCELLED),
    (S.CANCELLED, S.DRAFT),
    (S.CANCELLED, S.RETURNED),
    (S.CANCELLED, S.SUBMITTED),
    (S.CANCELLED, S.NOT_PERFORMED),
    (S.CANCELLED, S.APPROVED),
    (S.CANCELLED, S.NO_COST),
    (S.CANCELLED, S.CLOSED),
    (S.IN_PAYMENT, S.PAID),
    (S.IN_PAYMENT, S.APPROVED),
}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_the_claim_transition_table(source, target):
    assert CLAIM_TRANSITIONS.check(source, target)[0] is ((source, target) in ALLOWED)


def test_a_paid_claim_is_final():
    assert CLAIM_TRANSITIONS.targets(S.PAID) == frozenset()


def _violates(claim: Claim, **fields) -> bool:
    for name, value in fields.items():
        setattr(claim, name, value)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        return True
    return False


def test_a_validated_claim_must_carry_its_frozen_amounts(convoked_claim):
    assert _violates(convoked_claim, status=S.APPROVED)


def test_a_validated_claim_with_its_amounts_is_accepted(convoked_claim):
    from django.utils import timezone

    assert not _violates(
        convoked_claim,
        status=S.APPROVED,
        remuneration_amount=Decimal("75.00"),
        travel_amount=Decimal("0.00"),
        approved_at=timezone.now(),
    )


def test_a_claim_closed_at_zero_carries_its_zero_amounts(convoked_claim):
    assert _violates(convoked_claim, status=S.CLOSED)


@pytest.mark.parametrize("status", [S.IN_PAYMENT, S.PAID])
def test_a_claim_in_payment_belongs_to_a_batch(convoked_claim, status):
    from django.utils import timezone

    assert _violates(
        convoked_claim,
        status=status,
        remuneration_amount=Decimal("75.00"),
        travel_amount=Decimal("0.00"),
        approved_at=timezone.now(),
    )


def test_a_claim_out_of_payment_belongs_to_no_batch(convoked_claim, manager):
    from claims.models import PaymentBatch

    batch = PaymentBatch.objects.create(created_by=manager)
    assert _violates(convoked_claim, payment_batch=batch)


def test_declared_hours_cannot_be_negative(convoked_claim):
    assert _violates(convoked_claim, hours_declared=Decimal("-1"))


def test_a_claim_has_a_known_currency(convoked_claim):
    assert _violates(convoked_claim, currency="USD")


def test_a_claim_line_is_never_negative(convoked_claim):
    with pytest.raises(IntegrityError):
        ClaimLine.objects.create(
            claim=convoked_claim,
            kind=ClaimLine.Kind.REMUNERATION,
            label="Copies",
            quantity=Decimal("10"),
            unit_rate=Decimal("5"),
            amount=Decimal("-50"),
        )


def test_one_convocation_has_one_claim(convoked_claim):
    with pytest.raises(IntegrityError):
        Claim.objects.create(assignment=convoked_claim.assignment)
