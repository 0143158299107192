"""One rule says whether a claim is open for its participant (flow.entry_state):
the closing message and the participant's status words follow it alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from claims import flow
from claims.flow import EntryState
from claims.models import Claim, ClaimStatus
from missions.models import MissionType
from tests.claims.entry_helpers import convoke

pytestmark = pytest.mark.django_db


def _claim(participant, manager, **mission) -> Claim:
    claim = convoke(participant, manager, **mission)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=False)
    claim.refresh_from_db()
    return claim


def test_a_started_mission_within_its_deadline_is_open(participant, manager):
    claim = _claim(participant, manager)
    assert flow.entry_state(claim) is EntryState.OPEN
    assert flow.entry_closed_reason(claim) == ""
    assert flow.participant_status(claim) == "Mission en cours — à saisir"


def test_a_mission_to_come_is_closed_until_it_starts(participant, manager):
    claim = _claim(participant, manager, starts_at=timezone.now() + timedelta(days=2))
    assert flow.entry_state(claim) is EntryState.NOT_STARTED
    assert "ouvrira au début de la mission" in flow.entry_closed_reason(claim)
    assert flow.participant_status(claim) == "Mission à venir"


def test_nothing_to_type_wins_over_a_mission_to_come_in_both_words(
    participant, manager
):
    """The same order for the message and the status: a mission whose amount
    the division enters says so, even before it starts."""
    claim = _claim(
        participant,
        manager,
        starts_at=timezone.now() + timedelta(days=2),
        mission_type__payment_basis=MissionType.PaymentBasis.MANAGER_ENTERED,
    )
    assert flow.entry_state(claim) is EntryState.NOTHING_TO_TYPE
    assert "vous n'avez rien à saisir" in flow.entry_closed_reason(claim)
    assert flow.participant_status(claim) == "Saisie par le gestionnaire"


def test_a_draft_after_the_deadline_is_closed_but_a_sent_back_one_reopens(
    participant, manager
):
    claim = _claim(participant, manager)
    after_deadline = timezone.now() + timedelta(days=400)
    assert flow.entry_state(claim, after_deadline) is EntryState.DEADLINE_PASSED
    assert flow.participant_status(claim, after_deadline) == "Date limite dépassée"
    claim.status = ClaimStatus.RETURNED  # in memory only: what the rule reads
    assert flow.entry_state(claim, after_deadline) is EntryState.OPEN
