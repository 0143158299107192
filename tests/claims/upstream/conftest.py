"""The platform counts' tests share: an épreuve, its session, two people
with participant numbers, a signed-in manager."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def epreuve(db):
    return factories.EpreuveFactory(code="PHILO")


@pytest.fixture
def session(epreuve):
    return epreuve.exam.session


@pytest.fixture
def people(participant, external_participant):
    participant.participant_number = "A0001234"
    participant.save(update_fields=["participant_number"])
    return participant, external_participant


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
