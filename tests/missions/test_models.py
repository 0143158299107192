"""Invariants of missions and assignments held by the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from missions.models import CONVOCATION_TRANSITIONS, ConvocationStatus
from tests import factories


def test_a_mission_cannot_end_before_it_starts(db):
    start = timezone.now()
    with pytest.raises(IntegrityError):
        factories.MissionFactory(starts_at=start, ends_at=start - timedelta(hours=1))


def test_a_mission_needs_at_least_one_person(db):
    with pytest.raises(IntegrityError):
        factories.MissionFactory(staffing_need=0)


def test_a_mission_epreuve_must_belong_to_its_exam(db):
    mission = factories.MissionFactory()
    mission.epreuve = factories.EpreuveFactory()
    with pytest.raises(ValidationError) as error:
        mission.full_clean()
    assert "epreuve" in error.value.message_dict


def test_a_participant_is_assigned_to_a_mission_once(db):
    assignment = factories.AssignmentFactory()
    with pytest.raises(IntegrityError):
        factories.AssignmentFactory(
            mission=assignment.mission, participant=assignment.participant
        )


def test_a_convoked_assignment_carries_its_convocation_date(db):
    with pytest.raises(IntegrityError):
        factories.AssignmentFactory(status=ConvocationStatus.CONVOKED, convoked_at=None)


def test_epreuve_codes_are_unique_within_an_exam(db):
    epreuve = factories.EpreuveFactory(code="PHILO")
    factories.EpreuveFactory(code="PHILO")  # another exam: allowed
    with pytest.raises(IntegrityError):
        factories.EpreuveFactory(code="PHILO", exam=epreuve.exam)


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (ConvocationStatus.ASSIGNED, ConvocationStatus.CONVOKED, True),
        (ConvocationStatus.ASSIGNED, ConvocationStatus.WITHDRAWN, True),
        (ConvocationStatus.CONVOKED, ConvocationStatus.ASSIGNED, True),
        (ConvocationStatus.CONVOKED, ConvocationStatus.WITHDRAWN, True),
        (ConvocationStatus.WITHDRAWN, ConvocationStatus.ASSIGNED, True),
        (ConvocationStatus.WITHDRAWN, ConvocationStatus.CONVOKED, False),
        (ConvocationStatus.CONVOKED, ConvocationStatus.CONVOKED, False),
    ],
)
def test_the_convocation_transition_table(source, target, allowed):
    assert CONVOCATION_TRANSITIONS.check(source, target)[0] is allowed
