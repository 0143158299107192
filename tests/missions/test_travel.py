"""Which missions open a travel part (décret 2006-781)."""

from __future__ import annotations

import pytest

from missions.models import MissionType
from missions.travel import travel_eligible
from tests import factories


@pytest.fixture
def home(db):
    return factories.CommuneFactory(name="Rouen")


@pytest.fixture
def teacher(home):
    return factories.UserFactory(commune=home, establishment__commune=home)


def _mission_in(commune, **type_fields):
    return factories.MissionFactory(
        centre__commune=commune,
        mission_type=factories.MissionTypeFactory(**type_fields),
    )


def test_a_mission_in_another_commune_opens_travel(teacher):
    assert travel_eligible(
        participant=teacher, mission=_mission_in(factories.CommuneFactory())
    )


def test_a_mission_in_the_residence_commune_does_not(teacher, home):
    assert not travel_eligible(participant=teacher, mission=_mission_in(home))


def test_a_mission_in_the_establishment_commune_does_not(db):
    work = factories.CommuneFactory()
    teacher = factories.UserFactory(establishment__commune=work)
    assert not travel_eligible(participant=teacher, mission=_mission_in(work))


def test_a_mission_in_a_neighbouring_commune_does_not(teacher, home):
    neighbour = factories.CommuneFactory()
    home.neighbours.add(neighbour)
    assert not travel_eligible(participant=teacher, mission=_mission_in(neighbour))


def test_a_mission_type_without_travel_does_not(teacher):
    mission = _mission_in(
        factories.CommuneFactory(),
        travel_eligible=False,
        payment_basis=MissionType.PaymentBasis.MANAGER_ENTERED,
    )
    assert not travel_eligible(participant=teacher, mission=mission)


def test_a_deployment_without_travel_never_does(teacher, settings):
    settings.TRAVEL_ENABLED = False
    assert not travel_eligible(
        participant=teacher, mission=_mission_in(factories.CommuneFactory())
    )


def test_a_participant_without_a_known_commune_gets_no_travel_part(db):
    stranger = factories.ExternalParticipantFactory(commune=None)
    assert not travel_eligible(
        participant=stranger, mission=_mission_in(factories.CommuneFactory())
    )
