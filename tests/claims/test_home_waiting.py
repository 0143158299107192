"""A signed-in participant's home page says what waits for them: claims to
complete with their deadline, claims sent back, documents to send, the
financial file, the next mission (claims/waiting.py)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Trip
from claims.services import convocation_issue
from tests import factories
from tests.claims.entry_helpers import convoke
from tests.claims.review_helpers import S, checked_financial_file, claim_in

HOME = reverse("home")


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_signed_out_home_explains_how_to_sign_in(client):
    text = _text(client.get(HOME))
    assert "Comment vous connecter ?" in text
    assert "Ce qui vous attend" not in text


def test_open_and_sent_back_claims_come_first_with_their_link(
    signed_in, participant, manager, outsider
):
    open_claim = convoke(participant, manager)
    returned = claim_in(S.RETURNED, participant, manager)
    others = convoke(outsider, manager)
    text = _text(signed_in.get(HOME))
    assert "Comment vous connecter ?" not in text  # signed in already
    assert "États de frais à compléter" in text
    assert reverse("claims:detail", args=[open_claim.pk]) in text
    assert "À saisir et à valider avant le" in text
    assert "États de frais renvoyés pour correction" in text
    assert reverse("claims:detail", args=[returned.pk]) in text
    assert reverse("claims:detail", args=[others.pk]) not in text


def test_the_financial_file_missing_is_said(signed_in, participant, manager):
    text = _text(signed_in.get(HOME))
    assert "Dossier financier : votre dossier financier n'est pas constitué" in text
    checked_financial_file(participant, manager)
    assert "Dossier financier" not in _text(signed_in.get(HOME))


def test_documents_to_send_and_the_next_mission(signed_in, participant, manager):
    checked_financial_file(participant, manager)
    claim = claim_in(S.SUBMITTED, participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    Trip.objects.create(
        claim=claim,
        date=timezone.localdate(claim.assignment.mission.starts_at),
        mode=Trip.Mode.PUBLIC_TRANSPORT,
        fare=12,
    )
    future = factories.MissionFactory(
        starts_at=timezone.now() + timedelta(days=10),
        ends_at=timezone.now() + timedelta(days=10, hours=4),
    )
    convoke_future = factories.AssignmentFactory(
        participant=participant, mission=future
    )
    convocation_issue(assignment=convoke_future, by=manager)
    text = _text(signed_in.get(HOME))
    assert "Justificatifs à transmettre" in text
    assert "pour vos trajets en transport en commun" in text
    assert "Votre prochaine mission" in text
    assert future.centre.name in text


def test_nothing_waiting_is_said_plainly(signed_in, participant, manager):
    checked_financial_file(participant, manager)
    claim_in(S.APPROVED, participant, manager)
    text = _text(signed_in.get(HOME))
    assert "Rien pour l'instant" in text


def test_the_home_costs_the_same_queries_for_2_or_12_claims(
    signed_in, participant, manager, django_assert_max_num_queries
):
    for _ in range(2):
        convoke(participant, manager)
        claim_in(S.SUBMITTED, participant, manager)
    signed_in.get(HOME)
    with django_assert_max_num_queries(12) as few:
        signed_in.get(HOME)
    for _ in range(5):
        convoke(participant, manager)
        claim_in(S.SUBMITTED, participant, manager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        signed_in.get(HOME)


@pytest.mark.parametrize("enabled", [True, False])
def test_with_travel_off_the_home_says_how_travel_is_refunded(
    client, settings, enabled
):
    settings.TRAVEL_ENABLED = enabled
    settings.TRAVEL_ELSEWHERE_TEXT = "Envoyez le formulaire papier au vice-rectorat."
    text = _text(client.get(HOME))
    assert ("Envoyez le formulaire papier au vice-rectorat." in text) is not enabled
    assert ("heures, déplacements" in text) is enabled
