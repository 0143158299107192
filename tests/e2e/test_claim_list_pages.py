"""The paginated claim list on a phone: the page does not scroll sideways,
and the DSFR pagination leads from page to page."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.participant_volume import past_claims

pytestmark = pytest.mark.e2e


@pytest.fixture
def long_history(transactional_db):
    participant = factories.UserFactory(username="historique")
    past_claims(participant, factories.ManagerFactory(), 45)
    return participant


def test_on_a_phone_the_claim_list_pages_without_scrolling_sideways(page, long_history):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/comptes/login/")
    page.get_by_label("Identifiant").fill("historique")
    page.get_by_label("Mot de passe").fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.goto("/mes-etats-de-frais/")

    pagination = page.get_by_role("navigation", name="Pagination")
    expect(pagination).to_be_visible()
    expect(page.get_by_text("45 états de frais — page 1 sur 3")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width

    pagination.get_by_role("link", name="Page suivante").click()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(page.get_by_text("page 2 sur 3")).to_be_visible()
    pagination.get_by_role("link", name="Dernière page").click()
    expect(page).to_have_url(re.compile(r"\?page=3$"))
    cards = page.get_by_role("link", name=re.compile("état de frais n°"))
    expect(cards).to_have_count(5)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
