"""Two saves or two validations of one claim at the same time: one wins
cleanly, the other is told; nothing is half-written (real transactions)."""

from __future__ import annotations

import pytest

from claims import services
from claims.models import Claim, ClaimStatus
from claims.services import ClaimChanged
from imagin.audit import AuditEvent
from tests.claims.concurrency import ROW_LOCKS, race

pytestmark = [pytest.mark.django_db(transaction=True), ROW_LOCKS]


@pytest.fixture
def ready(settings, participant, convoked_claim):
    """A claim complete up to the summary, at a known version."""
    settings.TRAVEL_ENABLED = False
    Claim.objects.filter(pk=convoked_claim.pk).update(has_travel_part=False)
    claim = Claim.objects.get(pk=convoked_claim.pk)
    for step, values in (("mission", {}), ("service", {"copies_declared": 40})):
        claim = services.claim_step_save(
            claim=claim,
            by=participant,
            version=claim.version,
            step=step,
            values=values,
            complete=True,
        )
    return claim


def test_two_tabs_saving_at_once_never_overwrite_each_other(participant, ready):
    def save(copies):
        return lambda: services.claim_step_save(
            claim=ready,
            by=participant,
            version=ready.version,
            step="service",
            values={"copies_declared": copies},
            complete=False,
        )

    outcomes = race(save(41), save(45))
    saved = [o for o in outcomes if isinstance(o, Claim)]
    refused = [o for o in outcomes if isinstance(o, ClaimChanged)]
    assert len(saved) == 1 and len(refused) == 1
    ready.refresh_from_db()
    assert ready.copies_declared == saved[0].copies_declared
    assert ready.version == saved[0].version
    # The refused one learns what the winner wrote.
    assert refused[0].current.copies_declared == saved[0].copies_declared


def test_validating_twice_at_once_submits_exactly_once(participant, ready):
    def submit():
        return services.claim_submit(claim=ready, by=participant, version=ready.version)

    outcomes = race(submit, submit)
    assert sorted(outcome[1] for outcome in outcomes) == [False, True]
    ready.refresh_from_db()
    assert ready.status == ClaimStatus.SUBMITTED
    events = AuditEvent.objects.for_object(ready).filter(
        action="claims.claim.submitted"
    )
    assert events.count() == 1


def test_a_save_racing_a_validation_is_refused_cleanly(participant, ready):
    outcomes = race(
        lambda: services.claim_submit(
            claim=ready, by=participant, version=ready.version
        ),
        lambda: services.claim_step_save(
            claim=ready,
            by=participant,
            version=ready.version,
            step="service",
            values={"copies_declared": 99},
            complete=False,
        ),
    )
    ready.refresh_from_db()
    if isinstance(outcomes[0], tuple):  # the validation went first
        assert ready.status == ClaimStatus.SUBMITTED and ready.copies_declared == 40
        assert not isinstance(outcomes[1], Claim)
    else:  # the save went first: the validation saw a changed claim
        assert isinstance(outcomes[0], ClaimChanged)
        assert ready.status == ClaimStatus.DRAFT and ready.copies_declared == 99
