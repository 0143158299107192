"""The DSFR display settings: the footer's button opens the modal, and the
theme chosen there is applied by the DSFR script under the strict CSP and kept
from one page to the next."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_display_settings_switch_the_theme_and_keep_it(page, transactional_db):
    from playwright.sync_api import expect

    refusals: list[str] = []
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto("/mentions-legales/")
    html = page.locator("html")
    expect(html).to_have_attribute("data-fr-scheme", "system")
    modal = page.locator("#fr-theme-modal")
    expect(modal).to_be_hidden()

    footer = page.get_by_role("contentinfo")
    footer.get_by_role("button", name="Paramètres d'affichage").click()
    expect(modal).to_be_visible()
    expect(modal.get_by_role("heading", name="Paramètres d'affichage")).to_be_visible()
    # The system's theme is the default choice.
    expect(modal.get_by_label("Système")).to_be_checked()

    modal.get_by_text("Thème sombre").click()
    expect(html).to_have_attribute("data-fr-theme", "dark")
    expect(html).to_have_attribute("data-fr-scheme", "dark")
    modal.get_by_role("button", name="Fermer").click()
    expect(modal).to_be_hidden()

    # Kept in the browser: the next page opens dark.
    page.goto("/plan-du-site/")
    expect(html).to_have_attribute("data-fr-theme", "dark")
    footer.get_by_role("button", name="Paramètres d'affichage").click()
    expect(modal.get_by_label("Thème sombre")).to_be_checked()
    modal.get_by_text("Thème clair").click()
    expect(html).to_have_attribute("data-fr-theme", "light")
    assert not refusals, refusals
