"""The public pages, the sign-in, the error pages and the back-office's door."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.html import assert_strict_csp_page


def test_the_home_page_is_in_french_in_the_state_design_system(client):
    response = client.get("/")
    assert response.status_code == 200
    html = assert_strict_csp_page(response)
    assert '<html lang="fr"' in html
    assert "fr-header" in html and "fr-footer" in html
    assert 'href="#contenu"' in html  # skip link
    assert "Académie de démonstration" in html
    assert "Se connecter" in html
    assert "/static/dsfr/dist/dsfr/dsfr.min.css" in html


def test_the_authority_name_comes_from_the_settings(client, settings):
    settings.AUTHORITY_NAME = "Vice-rectorat de la Polynésie française"
    assert "Vice-rectorat de la Polynésie française" in client.get("/").content.decode()


def test_the_login_page_asks_for_an_identifier_and_a_password(client, db):
    response = client.get(reverse("account_login"))
    html = assert_strict_csp_page(response)
    assert '<label class="fr-label" for="id_login">' in html
    assert "Identifiant" in html and "Mot de passe" in html


def test_a_participant_signs_in_with_their_username(client, participant):
    response = client.post(
        reverse("account_login"), {"login": participant.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == participant


def test_an_external_participant_signs_in_with_their_participant_number(
    client, external_participant
):
    response = client.post(
        reverse("account_login"),
        {"login": external_participant.participant_number, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == external_participant


def test_a_wrong_password_is_explained_and_the_identifier_kept(client, participant):
    response = client.post(
        reverse("account_login"), {"login": participant.username, "password": "faux"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "fr-alert--error" in html
    assert f'value="{participant.username}"' in html


def test_nobody_signs_up_on_their_own(client, db):
    from accounts.models import User

    client.post(
        reverse("account_signup"),
        {"username": "intrus", "password1": "x" * 20, "password2": "x" * 20},
    )
    assert not User.objects.filter(username="intrus").exists()


def test_logging_out_is_a_post(client, participant):
    client.force_login(participant)
    client.get(reverse("account_logout"))
    assert client.get("/").context["user"] == participant
    client.post(reverse("account_logout"))
    assert not client.get("/").context["user"].is_authenticated


def test_an_unknown_page_answers_404_in_the_site_style(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = assert_strict_csp_page(response)
    assert "Page non trouvée" in html and "fr-header" in html


def test_the_500_page_renders_without_a_request_context(rf):
    from imagin.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Erreur inattendue" in html and "fr-header" in html


def test_a_form_without_its_csrf_token_gets_an_explained_403(participant):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("account_login"), {"login": participant.username, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


def test_anonymous_visitors_are_sent_from_the_back_office_to_the_sign_in(client, db):
    response = client.get("/gestion/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "next=/gestion/" in response.redirect_chain[-1][0]


def test_the_back_office_login_never_redirects_elsewhere(client):
    response = client.get("/gestion/login/?next=https://ailleurs.example/")
    assert "ailleurs.example" not in response["Location"]


@pytest.mark.parametrize("persona", ["participant", "external_participant", "outsider"])
def test_participants_are_refused_the_back_office(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/gestion/", follow=True)
    assert response.status_code == 403


def test_a_manager_signs_in_and_reaches_the_back_office(client, manager):
    client.post(
        reverse("account_login"), {"login": manager.username, "password": PASSWORD}
    )
    response = client.get("/gestion/")
    assert response.status_code == 200
    assert "Back-office de la division des examens" in response.content.decode()
