"""The guide's screenshots are the real screens: this journey through the demo
takes them. They go to a temporary folder, so a test run changes no file;
`make screenshots` writes them into static/imagin/guide/captures/ for the
guide (run it when a screen the guide shows changes)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from imagin import help as guide
from tests.e2e.test_claim_journeys import open_claim, sign_in

pytestmark = pytest.mark.e2e
CAPTURES = Path(settings.BASE_DIR) / "static" / guide.SCREENSHOTS_STATIC


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def folder(tmp_path) -> Path:
    return CAPTURES if os.environ.get("UPDATE_GUIDE_SCREENSHOTS") else tmp_path


def _shoot(page, folder: Path, name: str, taken: list[str]) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
    taken.append(name)


def test_the_guide_shows_the_screens_this_journey_takes(page, demo, folder):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 860})
    taken: list[str] = []

    # The teacher: signing in, home, availability, convocations, a claim.
    page.goto("/comptes/login/")
    _shoot(page, folder, "connexion", taken)
    sign_in(page, "enseignant", "demo-enseignant-2027")
    _shoot(page, folder, "accueil", taken)
    page.get_by_role("link", name="Mes disponibilités").first.click()
    page.get_by_role("link", name=re.compile("disponibilités", re.I)).last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("isponibilités")
    _shoot(page, folder, "disponibilites", taken)
    page.get_by_role("link", name="Mes convocations").first.click()
    _shoot(page, folder, "convocations", taken)
    page.get_by_role("link", name="Saisie états de frais mission").first.click()
    _shoot(page, folder, "etats-de-frais", taken)
    open_claim(page, "Correction — Baccalauréat général")
    page.get_by_text("Oui, j'ai effectué la mission").click()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Nombre de copies corrigées").fill("58")
    _shoot(page, folder, "etape-service", taken)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name=re.compile("Déplacements"))).to_be_visible()
    _shoot(page, folder, "etape-deplacement", taken)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("cell", name="Copies corrigées")).to_be_visible()
    _shoot(page, folder, "etape-recapitulatif", taken)
    page.get_by_role("button", name="Se déconnecter").click()

    # The manager: dashboard, queue, a claim, a payment batch.
    sign_in(page, "gestionnaire", "demo-gestion-2027")
    page.goto("/gestion/")
    _shoot(page, folder, "gestion-tableau-de-bord", taken)
    page.get_by_role("link", name="États de frais mission").first.click()
    page.wait_for_url("**/gestion/claims/claim/")
    _shoot(page, folder, "gestion-file", taken)
    page.get_by_role("row", name=re.compile("Paul Durand")).first.get_by_role(
        "link", name=re.compile("Paul Durand")
    ).click()
    page.wait_for_url("**/gestion/claims/claim/*/change/")
    _shoot(page, folder, "gestion-etat-de-frais", taken)
    page.goto("/gestion/claims/paymentbatch/")
    page.locator("#result_list tbody tr a").first.click()
    page.wait_for_url("**/gestion/claims/paymentbatch/*/change/")
    _shoot(page, folder, "gestion-lot", taken)

    # Every picture the guide shows is taken here, and is in the repository.
    shown = set()
    for path in guide.GUIDE_DIR.glob("*/*.md"):
        shown |= set(re.findall(r"\(captures/([a-z0-9-]+)\.png\)", path.read_text()))
    assert shown <= set(taken), shown - set(taken)
    for name in taken:
        assert (folder / f"{name}.png").stat().st_size > 10_000, name
        assert (CAPTURES / f"{name}.png").exists(), f"run `make screenshots`: {name}"
