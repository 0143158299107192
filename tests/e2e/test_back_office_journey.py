"""The exam division's journey in the browser: the demo manager finds the
demo teacher's submitted claim and sends it back with a reason; the teacher
corrects it and validates again; the manager validates it and puts it into
payment."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.e2e.test_claim_journeys import open_claim, sign_in

pytestmark = pytest.mark.e2e
REASON = "Le centre indique 7 heures d'interrogation, pas 6 : corrigez les heures."


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def sign_out(page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Se déconnecter").click()


def open_in_queue(page, filter_label: str) -> None:
    page.goto("/gestion/")
    page.get_by_role("link", name="États de frais mission").first.click()
    page.get_by_role("link", name=filter_label).click()
    page.get_by_role("row", name=re.compile("Paul Durand")).get_by_role(
        "link", name=re.compile("Paul Durand")
    ).click()


def test_a_claim_is_sent_back_corrected_validated_and_put_into_payment(page, demo):
    from playwright.sync_api import expect

    sign_in(page, "gestionnaire", "demo-gestion-2027")
    page.get_by_role("link", name="Ouvrir le back-office").click()
    # The dashboard counts the teacher's claim among those waiting.
    expect(
        page.get_by_role("heading", name=re.compile("Tableau de bord"))
    ).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("par jour"))).to_be_visible()
    open_in_queue(page, "Prêts à valider")
    expect(page.get_by_text("Interrogation (À l'heure")).to_be_visible()
    page.get_by_label("Motif du renvoi (envoyé à l'intervenant)").fill(REASON)
    page.get_by_role("button", name="Renvoyer pour correction").click()
    expect(
        page.get_by_text("renvoyé pour correction ; l'intervenant est prévenu")
    ).to_be_visible()
    page.get_by_role("button", name="Déconnexion").click()

    sign_in(page, "enseignant", "demo-enseignant-2027")
    open_claim(page, "Interrogation — Baccalauréat général")
    expect(page.get_by_text(f"Motif : {REASON}")).to_be_visible()
    page.get_by_role("link", name="Modifier : Service fait").click()
    page.get_by_label("Nombre d'heures").fill("7")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name=re.compile("Déplacements"))).to_be_visible()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre état de frais est validé")).to_be_visible()
    sign_out(page)

    sign_in(page, "gestionnaire", "demo-gestion-2027")
    open_in_queue(page, "Prêts à valider")
    expect(page.get_by_role("cell", name="7", exact=True)).to_be_visible()
    page.get_by_role("button", name="Valider l'état de frais").click()
    expect(page.get_by_text(re.compile("validé : 1[0-9]{2},[0-9]{2}"))).to_be_visible()

    # Bank details are checked before anything is paid.
    page.goto("/gestion/accounts/financialfile/")
    page.get_by_role("row", name=re.compile("Paul Durand")).get_by_role(
        "checkbox"
    ).check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Marquer comme vérifié"
    )
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("dossier vérifié")).to_be_visible()

    page.goto("/gestion/claims/claim/?a_traiter=paiement")
    page.get_by_role("row", name=re.compile("Paul Durand")).get_by_role(
        "checkbox"
    ).check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Mettre en paiement les états de frais sélectionnés"
    )
    page.get_by_role("button", name="Envoyer").click()
    expect(
        page.get_by_text(re.compile("1 état de frais mis en paiement"))
    ).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter le fichier (CSV)").click()
    assert download.value.suggested_filename.startswith("mise-en-paiement-")
    with open(download.value.path(), encoding="utf-8") as exported:
        assert "Durand;Paul" in exported.read()
