"""The guide's screenshots are the real screens: this journey through the demo
takes them, in French for the French guide and in English for the English
one. They go to a temporary folder, so a test run changes no file;
`make screenshots` writes them into static/imagin/guide/captures/ (English in
captures/en/) for the guide: run it when a screen the guide shows changes.

The journey goes by addresses and form fields, not by labels, so that it
walks the same way in both languages."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from imagin import help as guide

pytestmark = pytest.mark.e2e
CAPTURES = Path(settings.BASE_DIR) / "static" / guide.SCREENSHOTS_STATIC


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def _shoot(page, folder: Path, name: str, taken: list[str]) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
    taken.append(name)


def _sign_in(page, username: str, password: str) -> None:
    page.goto("/comptes/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_guide_shows_the_screens_this_journey_takes(
    page, demo, live_server, tmp_path, language
):
    captures = CAPTURES if language == "fr" else CAPTURES / language
    folder = captures if os.environ.get("UPDATE_GUIDE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.context.add_cookies(
        [
            {
                "name": settings.LANGUAGE_COOKIE_NAME,
                "value": language,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size({"width": 1280, "height": 860})
    taken: list[str] = []

    # The teacher: signing in, home, availability, convocations, a claim.
    page.goto("/comptes/login/")
    assert f'lang="{language}"' in page.content()
    _shoot(page, folder, "connexion", taken)
    _sign_in(page, "enseignant", "demo-enseignant-2027")
    _shoot(page, folder, "accueil", taken)
    page.goto("/mes-declarations/")
    page.locator("main a[href*='/disponibilites/']").first.click()
    page.wait_for_url("**/disponibilites/")
    _shoot(page, folder, "disponibilites", taken)
    page.goto("/mes-convocations/")
    _shoot(page, folder, "convocations", taken)
    page.goto("/mes-etats-de-frais/")
    _shoot(page, folder, "etats-de-frais", taken)
    # Each claim's card: its title (the mission) is the link.
    page.locator(
        "main a[href*='/mes-etats-de-frais/']",
        has_text="Correction — Baccalauréat général",
    ).first.click()
    page.wait_for_url("**/etape/mission/")
    page.click("label[for=performed-yes]")
    page.click("button[name=action][value=continuer]")
    page.wait_for_url("**/etape/service/")
    page.fill("input[name=copies_declared]", "58")
    _shoot(page, folder, "etape-service", taken)
    page.click("button[name=action][value=continuer]")
    page.wait_for_url("**/etape/deplacement/")
    _shoot(page, folder, "etape-deplacement", taken)
    page.click("button[name=action][value=continuer]")
    page.wait_for_url("**/etape/recapitulatif/")
    _shoot(page, folder, "etape-recapitulatif", taken)
    page.locator("form[action='/comptes/logout/'] button").first.click()

    # The manager: dashboard, queue, a claim, a payment batch.
    _sign_in(page, "gestionnaire", "demo-gestion-2027")
    page.goto("/gestion/")
    _shoot(page, folder, "gestion-tableau-de-bord", taken)
    page.goto("/gestion/claims/claim/")
    _shoot(page, folder, "gestion-file", taken)
    page.locator("#result_list a", has_text="Paul Durand").first.click()
    page.wait_for_url("**/gestion/claims/claim/*/change/")
    _shoot(page, folder, "gestion-etat-de-frais", taken)
    page.goto("/gestion/claims/paymentbatch/")
    page.locator("#result_list tbody tr a").first.click()
    page.wait_for_url("**/gestion/claims/paymentbatch/*/change/")
    _shoot(page, folder, "gestion-lot", taken)

    # Every picture the guide shows is taken here, and is in the repository.
    shown = set()
    for path in (guide.GUIDE_DIR / language).glob("*.md"):
        shown |= set(re.findall(r"\(captures/([a-z0-9-]+)\.png\)", path.read_text()))
    assert shown <= set(taken), shown - set(taken)
    for name in taken:
        assert (folder / f"{name}.png").stat().st_size > 10_000, name
        assert (captures / f"{name}.png").exists(), f"run `make screenshots`: {name}"
