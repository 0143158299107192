"""The teacher's journey and the external participant's first sign-in, on a
375 px phone, with axe-core (WCAG 2.1 A and AA) run on every page visited:
no violation, and nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.e2e.test_accessibility import _violations, axe_source  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser, live_server, transactional_db, migrations_data_present):
    call_command("seed_demo", verbosity=0)
    context = browser.new_context(
        locale="fr-FR",
        base_url=live_server.url,
        viewport={"width": 375, "height": 812},
        bypass_csp=True,  # axe-core is injected inline
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


class Audit:
    """axe-core and the page's width, on each page the journey reaches."""

    def __init__(self, page, source: str) -> None:
        self.page, self.source, self.found = page, source, {}

    def __call__(self, label: str) -> None:
        self.page.wait_for_load_state()
        problems = _violations(self.page, self.source)
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
        if overflow > 0:
            problems.append(f"scrolls sideways by {overflow} px")
        if problems:
            self.found[f"{label} ({self.page.url})"] = problems

    def assert_clean(self) -> None:
        assert not self.found, "\n".join(
            f"{where}: {', '.join(problems)}" for where, problems in self.found.items()
        )


def _sign_in(page, audit: Audit, username: str, password: str) -> None:
    page.goto("/comptes/login/")
    audit("sign-in")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_the_teacher_enters_validates_and_downloads_on_a_phone(phone, axe_source):  # noqa: F811
    from playwright.sync_api import expect

    page, audit = phone, Audit(phone, axe_source)
    _sign_in(page, audit, "enseignant", "demo-enseignant-2027")
    expect(page.get_by_role("heading", name="Ce qui vous attend")).to_be_visible()
    audit("home")
    page.get_by_role("link", name="Tous mes états de frais").click()
    audit("claim list")
    page.get_by_role(
        "link", name=re.compile("Correction — Baccalauréat général")
    ).click()
    audit("mission step")
    page.get_by_text("Oui, j'ai effectué la mission").click()
    page.get_by_role("button", name="Continuer").click()
    audit("service step")
    page.get_by_label("Nombre de copies corrigées").fill("58")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre saisie est enregistrée")).to_be_visible()
    audit("service step, saved")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name=re.compile("Déplacements"))).to_be_visible()
    audit("travel step")
    page.get_by_role("button", name="Continuer").click()
    audit("summary step")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre état de frais est validé")).to_be_visible()
    audit("claim validated")
    page.goto("/mes-etats-de-frais/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("État récapitulatif")).first.click()
    assert download.value.suggested_filename.startswith("recapitulatif-")
    audit.assert_clean()


def test_the_external_participant_signs_in_the_first_time_on_a_phone(
    phone,
    axe_source,  # noqa: F811
):
    from playwright.sync_api import expect

    page, audit = phone, Audit(phone, axe_source)
    _sign_in(page, audit, "E2027001", "demo-externe-2027")
    expect(page.get_by_label("Mot de passe actuel")).to_be_visible()
    audit("forced password change")
    page.get_by_label("Mot de passe actuel").fill("demo-externe-2027")
    page.get_by_label("Nouveau mot de passe").first.fill("Un-Mot-de-passe-2027!")
    page.get_by_label("Confirmation du nouveau mot de passe").fill(
        "Un-Mot-de-passe-2027!"
    )
    page.get_by_role("button", name=re.compile("mot de passe", re.I)).click()
    # Sent on to their claims.
    expect(page).to_have_url(re.compile(r"/mes-etats-de-frais/$"))
    audit("claim list after the first sign-in")
    page.get_by_role(
        "link", name=re.compile("BTS Comptabilité et gestion")
    ).first.click()
    audit("their claim")
    audit.assert_clean()


def test_the_centre_head_certifies_on_a_phone(phone, axe_source):  # noqa: F811
    from playwright.sync_api import expect

    page, audit = phone, Audit(phone, axe_source)
    _sign_in(page, audit, "chefcentre", "demo-chef-2027")
    expect(page.get_by_role("link", name="Mes centres")).to_be_visible()
    audit("home of a centre head")
    page.get_by_role("link", name="Mes centres").click()
    # Each mission's participants, with their form, on the list itself.
    audit("the centres' missions")
    page.get_by_role("button", name="Tout certifier présent").first.click()
    # Saved, or refused with its reason (a demo mission not started yet):
    # either way a message says so.
    expect(page.locator("main .fr-alert").first).to_be_visible()
    audit("after certifying")
    audit.assert_clean()
