"""Staffing a mission end to end: the manager assigns the demo teacher and runs
the convocations; the teacher then finds the convocation and the claim it opened.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)
    from accounts.models import User
    from missions.models import Competence, Epreuve

    # The teacher declares they can examine the BTS oral (E6), still unstaffed.
    Competence.objects.create(
        participant=User.objects.get(username="enseignant"),
        epreuve=Epreuve.objects.get(exam__code="BTS-CG", code="E6"),
    )


def sign_in(page, username: str, password: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_the_manager_convokes_the_teacher_who_then_sees_the_convocation(page, demo):
    from playwright.sync_api import expect

    from claims.models import Claim

    sign_in(page, "gestionnaire", "demo-gestion-2027")
    page.goto("/gestion/missions/mission/?q=E6")
    page.get_by_role("link", name="0 sur 2 : affecter des intervenants").click()
    expect(page.get_by_text("Intervenants affectés : 0 sur 2")).to_be_visible()
    page.get_by_role("button", name="Affecter Paul Durand (enseignant)").click()
    expect(page.get_by_text("Intervenants affectés : 1 sur 2")).to_be_visible()

    page.goto("/gestion/claims/convocationrun/add/")
    page.get_by_label("Tirage officiel").check()
    page.get_by_label("Session").select_option(label="Session 2027")
    page.get_by_label("Examen").select_option(
        label="BTS Comptabilité et gestion — Session 2027"
    )
    page.get_by_role("button", name="Lancer").click()
    expect(page.get_by_role("status")).to_contain_text("Terminé")
    expect(
        page.get_by_text("Convocations émises (états de frais ouverts)")
    ).to_be_visible()

    page.get_by_role("button", name="Déconnexion").click()
    sign_in(page, "enseignant", "demo-enseignant-2027")
    page.get_by_role("link", name="Mes convocations").first.click()
    row = page.get_by_role("row", name=re.compile("Parcours de professionnalisation"))
    expect(row).to_contain_text("BTS Comptabilité et gestion")
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("Télécharger")).click()
    assert download.value.suggested_filename.endswith(".pdf")

    claim = Claim.objects.get(
        assignment__participant__username="enseignant",
        assignment__mission__epreuve__code="E6",
    )
    assert claim.status == "draft"
