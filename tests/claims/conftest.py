"""Fixtures of the claims tests."""

from __future__ import annotations

import pytest

from claims import selectors


@pytest.fixture(scope="module")
def tables(django_db_setup, django_db_blocker):
    """The rate tables the data migration ships, as plain data.

    The modules using it are marked `django_db`, so that the test database
    exists even when they run alone.
    """
    with django_db_blocker.unblock():
        return selectors.rate_book("EUR").tables


@pytest.fixture
def without_travel(settings):
    """Most tests enter the jury work only; the travel tests turn it back on."""
    settings.TRAVEL_ENABLED = False


@pytest.fixture
def signed_in(client, participant):
    client.force_login(participant)
    return client
