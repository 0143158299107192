"""On the travel step, a row is added in place, without saving first
(static/imagin/formset-rows.js), and what the added rows hold is saved."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.models import Claim
from tests.e2e.test_claim_journeys import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_a_meal_row_is_added_in_place_and_saved_with_the_first(page, demo):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, "enseignant", "demo-enseignant-2027")
    # On a phone the main menu is behind its button: straight to the list.
    page.goto("/mes-etats-de-frais/")
    page.get_by_role(
        "link", name=re.compile("Correction — Baccalauréat général")
    ).click()
    page.get_by_text("Oui, j'ai effectué la mission").click()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Nombre de copies corrigées").fill("58")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name=re.compile("Déplacements"))).to_be_visible()

    # Without the script the page says to save; with it, the button replaces
    # that sentence.
    expect(page.get_by_text("Pour ajouter une ligne de plus")).to_be_hidden()
    meals = page.get_by_role("group", name="Repas")
    expect(meals.get_by_text("Repas 2")).to_have_count(0)
    meals.get_by_role("button", name=re.compile("Ajouter une ligne : repas")).click()
    expect(meals.get_by_text("Repas 2", exact=True)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Repas 2")).to_have_count(1)
    # The new row's first field has the focus, under its own name.
    focused = page.evaluate("document.activeElement.name")
    assert focused == "repas-1-date", focused

    claim = Claim.objects.get(
        assignment__participant__username="enseignant",
        assignment__mission__mission_type__name="Correction",
    )
    day = timezone.localdate(claim.assignment.mission.starts_at).isoformat()
    page.locator('[name="repas-0-date"]').fill(day)
    page.locator('[name="repas-1-date"]').fill(day)
    page.locator('[name="repas-1-kind"]').select_option(index=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre saisie est enregistrée")).to_be_visible()

    assert claim.meals.count() == 2
    # Saved, the page shows both rows and one new empty one.
    expect(meals.get_by_text("Repas 3", exact=True)).to_be_visible()
