"""What the hostile-input tests of the claim entry share: bounded generation,
a rolled-back example, and what a claim must still be after one."""

from __future__ import annotations

import json
from contextlib import contextmanager

from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, settings

from claims.models import Claim
from claims.steps import step_draft
from claims.steps.base import DRAFT_VALUE_LIMIT
from missions.models import MissionType
from tests.claims.entry_helpers import (
    convoke,
    step_url,
)

SERVICE_FIELDS = {"hours_declared", "candidates_declared", "schedule"}
# Generated input, bounded so that the whole file runs in well under a minute.
hostile = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@contextmanager
def rolled_back():
    """Each generated example starts from the same claim."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def hourly_claim(participant, manager, **mission):
    return convoke(
        participant,
        manager,
        mission_type__name="Interrogation",
        mission_type__payment_basis=MissionType.PaymentBasis.PER_HOUR,
        mission_type__counts_candidates=True,
        planned_volume=6,
        **mission,
    )


def the_claim_still_opens(client, claim) -> None:
    for url in (
        step_url(claim, "service"),
        reverse("claims:detail", args=[claim.pk]),
        step_url(claim, "recapitulatif"),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url


def draft_is_storable_and_bounded(claim: Claim, step: str, names) -> None:
    draft = step_draft(claim, step) or {}
    assert set(draft) <= set(names)
    for values in draft.values():
        assert len(values) == 1 and len(values[0]) <= DRAFT_VALUE_LIMIT
        assert "\x00" not in values[0]
    assert len(json.dumps(claim.draft)) < 300 * 1000
