"""A first journey: the home page speaks French and the demo manager signs in."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_the_demo_manager_signs_in_and_opens_the_back_office(page, demo):
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_contain_text("IMAG'IN")

    page.get_by_role("banner").get_by_role("link", name="Se connecter").click()
    page.get_by_label("Identifiant").fill("gestionnaire")
    page.get_by_label("Mot de passe").fill("demo-gestion-2027")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_text("Bonjour Claire Martin")).to_be_visible()
    page.get_by_role("link", name="Ouvrir le back-office").click()
    expect(page).to_have_title(re.compile("Back-office"))


def test_a_wrong_password_keeps_the_visitor_on_the_sign_in_page(page, demo):
    from playwright.sync_api import expect

    page.goto("/comptes/login/")
    page.get_by_label("Identifiant").fill("gestionnaire")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    # The DSFR error summary, focused, says what went wrong.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("incorrects")
    expect(page.get_by_label("Identifiant")).to_have_value("gestionnaire")
