"""Fixtures of the claims tests."""

from __future__ import annotations

import pytest

from claims import selectors, steps
from claims.models import Claim, ClaimStatus
from tests.claims.entry_helpers import convoke, post_step
from tests.claims.hostile_claims import hourly_claim
from tests.claims.review_helpers import claim_in


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


# The claims the hostile-input tests drive (test_hostile_input, test_hostile_travel).
@pytest.fixture
def hourly(signed_in, participant, manager, settings):
    """An hourly claim (hours, candidates, schedule) at its service step."""
    settings.TRAVEL_ENABLED = False
    claim = hourly_claim(participant, manager)
    post_step(signed_in, claim, "mission", performed="yes")
    claim.refresh_from_db()
    return claim


@pytest.fixture
def travelling(signed_in, participant, manager, settings):
    """A claim with a travel part, at its travel step."""
    settings.TRAVEL_ENABLED = True
    claim = convoke(participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    post_step(signed_in, claim, "mission", performed="yes")
    post_step(signed_in, claim, "service", copies_declared="42")
    claim.refresh_from_db()
    assert steps.current_step(claim).identifier == "deplacement"
    return claim


@pytest.fixture
def submitted_claim(participant, manager, settings):
    settings.TRAVEL_ENABLED = False
    return claim_in(ClaimStatus.SUBMITTED, participant, manager)
