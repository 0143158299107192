"""On a phone the side menu folds behind django-dsfr's button; on a wide
screen it is open, with no button."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def _sign_in_as_the_teacher(page) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("Identifiant").fill("enseignant")
    page.get_by_label("Mot de passe").fill("demo-enseignant-2027")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_on_a_phone_the_side_menu_is_folded_behind_its_button_and_opens(page, demo):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 375, "height": 812})
    _sign_in_as_the_teacher(page)
    page.goto("/mes-etats-de-frais/")
    menu = page.get_by_role("navigation", name="Menu latéral")
    button = menu.get_by_role("button", name="Dans cette rubrique")
    convocations = menu.get_by_role("link", name="Mes convocations")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(convocations).to_be_hidden()

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(convocations).to_be_visible()
    convocations.click()
    expect(page).to_have_url(re.compile(r"/mes-convocations/$"))


def test_on_a_wide_screen_the_side_menu_is_open_without_a_button(page, demo):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 860})
    _sign_in_as_the_teacher(page)
    page.goto("/mon-compte/profil/")
    menu = page.get_by_role("navigation", name="Menu latéral")
    expect(menu.get_by_role("button", name="Dans cette rubrique")).to_be_hidden()
    expect(menu.get_by_role("link", name="Mon dossier financier")).to_be_visible()
    expect(menu.get_by_role("link", name="Mes coordonnées")).to_have_attribute(
        "aria-current", "page"
    )
