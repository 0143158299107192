"""The participant's claim, in the browser: the demo teacher enters copies,
saves, comes back, validates and downloads the recap; the demo external
participant declares a mission not performed."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def sign_in(page, username: str, password: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def open_claim(page, mission: str) -> None:
    page.get_by_role("link", name="Saisie états de frais mission").first.click()
    # Each claim's card: its title (the mission) is the link.
    page.get_by_role("link", name=re.compile(mission)).first.click()


def test_the_teacher_enters_saves_resumes_validates_and_downloads(page, demo):
    from playwright.sync_api import expect

    sign_in(page, "enseignant", "demo-enseignant-2027")
    open_claim(page, "Correction — Baccalauréat général")
    page.get_by_text("Oui, j'ai effectué la mission").click()
    page.get_by_role("button", name="Continuer").click()

    page.get_by_label("Nombre de copies corrigées").fill("58")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre saisie est enregistrée")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, "enseignant", "demo-enseignant-2027")
    open_claim(page, "Correction — Baccalauréat général")
    expect(page.get_by_label("Nombre de copies corrigées")).to_have_value("58")
    page.get_by_role("button", name="Continuer").click()

    # Travel (Rouen → Le Havre): nothing to declare this time.
    expect(page.get_by_role("heading", name=re.compile("Déplacements"))).to_be_visible()
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("cell", name="Copies corrigées")).to_be_visible()
    # 58 copies at 5,00 €.
    expect(page.get_by_role("row", name=re.compile("Total"))).to_contain_text("290,00")
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_text("Votre état de frais est validé")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Justificatifs à transmettre")
    ).to_be_visible()
    page.get_by_role("link", name="Saisie états de frais mission").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("État récapitulatif")).first.click()
    assert download.value.suggested_filename.startswith("recapitulatif-")


def test_the_external_participant_declares_a_mission_not_performed(page, demo):
    from playwright.sync_api import expect

    sign_in(page, "E2027001", "demo-externe-2027")
    # First sign-in with the initial password: choose one's own.
    page.get_by_label("Mot de passe actuel").fill("demo-externe-2027")
    page.get_by_label("Nouveau mot de passe").first.fill("Un-Mot-de-passe-2027!")
    page.get_by_label("Confirmation du nouveau mot de passe").fill(
        "Un-Mot-de-passe-2027!"
    )
    page.get_by_role("button", name=re.compile("mot de passe", re.I)).click()
    open_claim(page, "BTS Comptabilité et gestion")
    page.get_by_text("Non, mission non effectuée").click()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Commentaire (facultatif)").fill("Empêchée : grève des trains.")
    page.get_by_role("button", name="Confirmer : mission non effectuée").click()
    expect(
        page.get_by_text("la division des examens et concours est informée")
    ).to_be_visible()
    expect(page.get_by_text("Mission non effectuée").first).to_be_visible()
