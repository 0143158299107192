"""A session that expires in the middle of a claim step loses nothing: the
dialog warns before the timeout and can push it back; once the session has
expired, the person signs in again and finds the step as they had typed
it, then saves it (imagin/session_timeout.py, static/imagin/*.js)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from claims.models import Claim
from tests.e2e.test_claim_journeys import sign_in

pytestmark = pytest.mark.e2e

DRAFTS = "Object.keys(localStorage).filter(k => k.startsWith('imagin-draft:'))"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_the_session_expires_mid_step_and_what_was_typed_comes_back(
    page, demo, settings
):
    from playwright.sync_api import expect

    # Ten seconds idle end a session (saved again every two at most): the
    # dialog opens four seconds before the eight it is sure of.
    settings.SESSION_COOKIE_AGE = 10
    settings.SESSION_REFRESH_INTERVAL = 2
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, "enseignant", "demo-enseignant-2027")
    page.goto("/mes-etats-de-frais/")
    page.get_by_role(
        "link", name=re.compile("Correction — Baccalauréat général")
    ).click()
    page.get_by_text("Oui, j'ai effectué la mission").click()
    page.get_by_role("button", name="Continuer").click()
    copies = page.get_by_label("Nombre de copies corrigées")
    copies.fill("58")
    step = page.url

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog).to_contain_text("Votre session va bientôt expirer")
    dialog.get_by_role("button", name="Rester connecté(e)").click()
    expect(dialog).to_be_hidden()

    # Left alone, the session ends; the dialog says so.
    expect(dialog.get_by_role("heading")).to_have_text(
        "Votre session a expiré", timeout=20_000
    )
    page.wait_for_timeout(2_500)  # past the server's own timeout too
    settings.SESSION_COOKIE_AGE = 3600
    settings.SESSION_REFRESH_INTERVAL = 60
    dialog.get_by_role("link", name="Se reconnecter").click()

    expect(page.get_by_text(re.compile("Votre session a expiré après"))).to_be_visible()
    page.get_by_label("Identifiant").fill("enseignant")
    page.get_by_label("Mot de passe").fill("demo-enseignant-2027")
    page.get_by_role("button", name="Se connecter").click()

    # Back on the step, with the value typed before the expiry.
    page.wait_for_url(step)
    expect(copies).to_have_value("58")
    expect(page.get_by_text(re.compile("sont rétablies"))).to_be_visible()
    assert page.evaluate(DRAFTS)  # kept until the server has it
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre saisie est enregistrée")).to_be_visible()
    claim = Claim.objects.get(
        assignment__participant__username="enseignant",
        assignment__mission__mission_type__name="Correction",
    )
    assert claim.copies_declared == 58
    assert page.evaluate(DRAFTS) == []  # saved: the browser's copy is gone


def test_signing_out_drops_what_the_browser_kept(page, demo):
    from playwright.sync_api import expect

    sign_in(page, "enseignant", "demo-enseignant-2027")
    page.goto("/mes-etats-de-frais/")
    page.get_by_role(
        "link", name=re.compile("Correction — Baccalauréat général")
    ).click()
    page.get_by_text("Oui, j'ai effectué la mission").click()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Nombre de copies corrigées").fill("61")
    # Kept as typed (after a short pause); evaluated by the test, not by
    # wait_for_function, which the strict CSP forbids (eval).
    for _tick in range(50):
        if page.evaluate(DRAFTS):
            break
        page.wait_for_timeout(100)
    assert len(page.evaluate(DRAFTS)) == 1
    page.get_by_role("button", name="Se déconnecter").first.click()
    expect(page.get_by_role("link", name="Se connecter").first).to_be_visible()
    assert page.evaluate(DRAFTS) == []
