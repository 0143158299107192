"""The division deciding while the participant types, two managers deciding
at once, two batches built at once: one wins cleanly, the other is told, and
nothing is half-written (real transactions, PostgreSQL's row locks)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Claim, ClaimStatus
from claims.services import ClaimChanged
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.concurrency import ROW_LOCKS, race
from tests.claims.review_helpers import checked_financial_file, claim_in, entered

S = ClaimStatus
pytestmark = [
    pytest.mark.django_db(transaction=True),
    ROW_LOCKS,
    pytest.mark.usefixtures("without_travel"),
]


def participant_saves(claim, participant, copies):
    return lambda: services.claim_step_save(
        claim=claim,
        by=participant,
        version=claim.version,
        step="service",
        values={"copies_declared": copies},
        complete=False,
    )


def events(claim, action) -> int:
    return AuditEvent.objects.for_object(claim).filter(action=action).count()


def test_a_stale_save_while_the_manager_validates_never_reaches_the_claim(
    participant, manager
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    outcomes = race(
        lambda: services.claim_approve(claim=claim, by=manager),
        participant_saves(claim, participant, 99),
    )
    assert isinstance(outcomes[0], Claim)
    assert isinstance(outcomes[1], (ValidationError, ClaimChanged))
    claim.refresh_from_db()
    assert (claim.status, claim.copies_declared) == (S.APPROVED, 40)
    assert claim.remuneration_amount == 200  # priced on what was validated
    assert claim.lines.count() == 1
    assert events(claim, "claims.claim.saved") == 3  # the entry, not the stale tab


def test_a_correction_being_saved_is_not_validated_under_the_participant(
    participant, manager
):
    claim = claim_in(S.RETURNED, participant, manager)
    outcomes = race(
        lambda: services.claim_approve(claim=claim, by=manager),
        participant_saves(claim, participant, 45),
    )
    assert isinstance(outcomes[0], ValidationError)
    assert isinstance(outcomes[1], Claim)
    claim.refresh_from_db()
    assert (claim.status, claim.copies_declared) == (S.RETURNED, 45)
    assert claim.remuneration_amount is None and not claim.lines.exists()


def test_the_participant_validating_while_the_manager_validates(participant, manager):
    claim = entered(claim_in(S.DRAFT, participant, manager), participant)
    outcomes = race(
        lambda: services.claim_submit(
            claim=claim, by=participant, version=claim.version
        ),
        lambda: services.claim_approve(claim=claim, by=manager),
    )
    claim.refresh_from_db()
    assert isinstance(outcomes[0], tuple) and outcomes[0][1] is True
    if isinstance(outcomes[1], Claim):  # the submission went first
        assert claim.status == S.APPROVED and claim.lines.count() == 1
    else:  # the manager came too early: the claim was still a draft
        assert isinstance(outcomes[1], ValidationError)
        assert claim.status == S.SUBMITTED and not claim.lines.exists()


def test_two_managers_validating_at_once_validate_once(participant, manager):
    colleague = factories.ManagerFactory()
    claim = claim_in(S.SUBMITTED, participant, manager)
    outcomes = race(
        lambda: services.claim_approve(claim=claim, by=manager),
        lambda: services.claim_approve(claim=claim, by=colleague),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Claim", "ValidationError"]
    refused = next(o for o in outcomes if isinstance(o, ValidationError))
    assert "Validé par le gestionnaire" in " ".join(refused.messages)
    claim.refresh_from_db()
    assert claim.status == S.APPROVED and claim.lines.count() == 1
    assert events(claim, "claims.claim.approved") == 1


def test_two_batches_built_at_once_never_share_a_claim(participant, manager):
    colleague = factories.ManagerFactory()
    checked_financial_file(participant, manager)
    claims = [claim_in(S.APPROVED, participant, manager) for _ in range(4)]
    ids = [c.pk for c in claims]
    outcomes = race(
        lambda: services.payment_batch_create(claim_ids=ids, by=manager),
        lambda: services.payment_batch_create(
            claim_ids=list(reversed(ids)), by=colleague
        ),
    )
    batches = [o.batch for o in outcomes if isinstance(o, services.BatchOutcome)]
    assert len(batches) == 1  # the other found nothing left to pay
    assert isinstance(
        next(o for o in outcomes if not isinstance(o, services.BatchOutcome)),
        ValidationError,
    )
    assert set(Claim.objects.values_list("payment_batch", flat=True)) == {batches[0].pk}
    for claim in claims:
        assert events(claim, "claims.claim.in_payment") == 1
