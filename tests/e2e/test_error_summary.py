"""A claim step that fails, in the browser: the focus goes to the error
summary when the page opens (a screen reader reads how many errors and
which), and each of its links takes the focus to its field."""

from __future__ import annotations

import re

import pytest

from tests.claims.entry_helpers import convoke, step_url
from tests.e2e import test_accessibility as accessibility
from tests.e2e.test_claim_journeys import sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "Un-Mot-de-passe-2027!"

# axe-core, as the participant pages' accessibility test injects it (a fixture).
axe_source = accessibility.axe_source


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            return {
                id: element.id,
                summary: element.hasAttribute("data-error-summary"),
            };
        }"""
    )


def test_a_failed_step_focuses_its_summary_whose_links_focus_the_fields(
    page, transactional_db, participant, manager, settings
):
    from playwright.sync_api import expect

    settings.TRAVEL_ENABLED = False
    claim = convoke(participant, manager)
    participant.set_password(PASSWORD)
    participant.save()
    sign_in(page, participant.username, PASSWORD)

    # The mission step, sent unanswered.
    page.goto(step_url(claim, "mission"))
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_title(re.compile("^Erreur : "))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Le formulaire contient 1 erreur")
    # Its link leads to the question's fieldset: the focus goes to its first choice.
    summary.get_by_role(
        "link", name="Mission effectuée : Indiquez si vous avez effectué la mission."
    ).click()
    expect(page.locator("#performed-yes")).to_be_focused()

    # Answered; then a wrong quantity on the service step.
    page.get_by_text("Oui, j'ai effectué la mission").click()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Nombre de copies corrigées").fill("-3")
    page.get_by_role("button", name="Continuer").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert _focused(page) == {"id": "error-summary", "summary": True}
    summary.get_by_role("link", name="Nombre de copies corrigées", exact=False).click()
    field = page.get_by_label("Nombre de copies corrigées")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    # The label is scrolled into view with the field.
    expect(page.locator("label[for=id_copies_declared]")).to_be_in_viewport()


def test_failed_forms_have_no_axe_violation(
    browser,
    live_server,
    migrations_data_present,
    transactional_db,
    participant,
    manager,
    settings,
    axe_source,
):
    """The pages of a failed submit (a fieldset in error, a field in error,
    the summary) pass axe-core's WCAG rules, on a phone and on a wide screen."""
    from playwright.sync_api import expect

    settings.TRAVEL_ENABLED = False
    claim = convoke(participant, manager)
    participant.set_password(PASSWORD)
    participant.save()
    context = browser.new_context(
        locale="fr-FR", base_url=live_server.url, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, participant.username, PASSWORD)
        found = {}
        failures = (
            (step_url(claim, "mission"), None, "", "Enregistrer"),
            (
                "/mon-compte/profil/",
                "#id_email",
                "pas-une-adresse",
                "Enregistrer mes coordonnées",
            ),
            (
                "/mon-compte/dossier-financier/",
                "#id_iban",
                "FR00 1234",
                "Enregistrer mon dossier financier",
            ),
        )
        for width in accessibility.WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for path, field, value, button in failures:
                page.goto(path)
                if field:
                    page.locator(field).fill(value)
                page.get_by_role("button", name=button, exact=True).click()
                expect(page.locator("[data-error-summary]")).to_be_focused()
                violations = accessibility._violations(page, axe_source)
                found[f"{path} at {width} px"] = violations
        assert page.locator("[data-error-summary]").count() == 1
        assert not any(found.values()), found
    finally:
        context.close()
