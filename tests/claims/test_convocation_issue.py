"""Issuing a convocation opens its claim, once."""

from __future__ import annotations

from claims.models import Claim, ClaimStatus
from claims.services import convocation_issue
from imagin.audit import AuditEvent
from missions.models import ConvocationStatus, MissionType
from tests import factories


def test_a_convocation_opens_a_draft_claim_and_logs_both(participant, manager):
    assignment = factories.AssignmentFactory(participant=participant)
    claim = convocation_issue(assignment=assignment, by=manager)
    assignment.refresh_from_db()
    assert assignment.status == ConvocationStatus.CONVOKED
    assert assignment.convoked_at is not None
    assert claim.status == ClaimStatus.DRAFT
    assert claim.currency == "EUR"
    assert AuditEvent.objects.for_object(assignment).get().action == (
        "missions.convocation.issued"
    )
    event = AuditEvent.objects.for_object(claim).get()
    assert (event.action, event.to_status, event.actor) == (
        "claims.claim.opened",
        "draft",
        manager,
    )


def test_issuing_a_convocation_twice_keeps_one_claim(participant, manager):
    assignment = factories.AssignmentFactory(participant=participant)
    first = convocation_issue(assignment=assignment, by=manager)
    second = convocation_issue(assignment=assignment, by=manager)
    assert first == second
    assert Claim.objects.filter(assignment=assignment).count() == 1
    assert AuditEvent.objects.filter(action="claims.claim.opened").count() == 1


def test_an_unpaid_mission_without_travel_has_no_costs(participant, manager):
    assignment = factories.AssignmentFactory(
        participant=participant,
        mission__centre__commune=participant.commune,
        mission__mission_type__payment_basis=MissionType.PaymentBasis.UNPAID,
    )
    claim = convocation_issue(assignment=assignment, by=manager)
    assert claim.status == ClaimStatus.NO_COST
    assert not claim.has_travel_part


def test_an_unpaid_mission_far_away_still_lets_travel_be_declared(participant, manager):
    assignment = factories.AssignmentFactory(
        participant=participant,
        mission__mission_type__payment_basis=MissionType.PaymentBasis.UNPAID,
    )
    claim = convocation_issue(assignment=assignment, by=manager)
    assert claim.status == ClaimStatus.DRAFT
    assert claim.has_travel_part


def test_a_claim_is_in_the_deployment_currency(participant, manager, settings):
    settings.CURRENCY = "XPF"
    claim = convocation_issue(
        assignment=factories.AssignmentFactory(participant=participant), by=manager
    )
    assert claim.currency == "XPF"
