"""Single sign-on through a real OpenID Connect provider started by the test.

The provider runs in ProConnect mode: it refuses a state or nonce shorter than
32 characters, signs userinfo as a JWT, and ends its session on logout when
given the ID token.
"""

from __future__ import annotations

import os

import pytest

from accounts.emails import email_address_set_by_staff
from accounts.models import User
from imagin.audit import AuditEvent
from tests import factories
from tests.oidc_provider.harness import node_available, run_oidc_provider

pytestmark = pytest.mark.e2e

PROVIDER_ID = "academie"
TEACHER = {
    "sub": "prof-1",
    "email": "paul.durand@ac-test.fr",
    "email_verified": True,
    "given_name": "Paul",
    "usual_name": "Durand",
    "login": "pdurand",
    "password": "secret-sso",
}
STRANGER = {
    "sub": "prof-2",
    "email": "inconnu@ac-test.fr",
    "email_verified": True,
    "given_name": "Inès",
    "usual_name": "Connue",
    "login": "inconnu",
    "password": "secret-sso",
}
UNVERIFIED = {
    "sub": "prof-3",
    "email": "paul.durand@ac-test.fr",
    "email_verified": False,
    "given_name": "Paul",
    "usual_name": "Durand",
    "login": "usurpateur",
    "password": "secret-sso",
}


@pytest.fixture
def provider(live_server, settings):
    if not node_available():
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed for the single sign-on tests")
        pytest.skip("node et npm introuvables : tests de connexion unique ignorés.")
    callback = f"{live_server.url}/comptes/sso/{PROVIDER_ID}/login/callback/"
    with run_oidc_provider(
        redirect_uris=[callback],
        post_logout_redirect_uris=[f"{live_server.url}/"],
        users=[TEACHER, STRANGER, UNVERIFIED],
        proconnect=True,
    ) as issuer:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "imagin_oidc": {
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": "le portail académique",
                        "client_id": "imagin",
                        "secret": "imagin-secret",
                        "settings": {
                            "server_url": issuer,
                            "token_auth_method": "client_secret_post",
                            "scope": ["openid", "email", "given_name", "usual_name"],
                        },
                    }
                ]
            }
        }
        yield issuer


def _sign_in_at_the_provider(page, person):
    page.goto("/comptes/login/")
    page.get_by_role("button", name="Se connecter avec le portail académique").click()
    page.get_by_label("Login").fill(person["login"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in").click()


def test_a_known_teacher_signs_in_and_out_through_the_portal(page, provider):
    from playwright.sync_api import expect

    teacher = factories.UserFactory(
        first_name="Paul", last_name="Durand", email="paul.durand@ac-test.fr"
    )
    # Entered by the division: the address single sign-on may trust.
    email_address_set_by_staff(user=teacher, email=teacher.email, by=None)
    _sign_in_at_the_provider(page, TEACHER)
    expect(page.get_by_text("Bonjour Paul Durand")).to_be_visible()
    assert User.objects.filter(email__iexact=TEACHER["email"]).count() == 1
    assert AuditEvent.objects.filter(
        action="accounts.sso.linked", target_id=teacher.pk
    ).exists()

    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()
    # The provider's own session ends too (RP-initiated logout with id_token_hint).
    page.get_by_role("button", name="Sign out").click()
    expect(
        page.get_by_role("banner").get_by_role("link", name="Se connecter")
    ).to_be_visible()
    _sign_in_at_the_provider(page, TEACHER)  # asked to sign in again: session ended
    expect(page.get_by_text("Bonjour Paul Durand")).to_be_visible()


def test_an_unknown_person_is_told_whom_to_contact(page, provider):
    from playwright.sync_api import expect

    _sign_in_at_the_provider(page, STRANGER)
    expect(page.get_by_role("heading", name="Compte inconnu")).to_be_visible()
    expect(page.get_by_text("division des examens et concours").first).to_be_visible()
    assert not User.objects.filter(email__iexact=STRANGER["email"]).exists()


def test_an_unknown_agent_gets_an_account_when_the_setting_allows(
    page, provider, settings
):
    from playwright.sync_api import expect

    settings.SSO_CREATE_UNKNOWN_AGENTS = True
    _sign_in_at_the_provider(page, STRANGER)
    expect(page.get_by_text("Bonjour Inès Connue")).to_be_visible()
    created = User.objects.get(email__iexact=STRANGER["email"])
    assert created.kind == User.Kind.AGENT


def test_an_unverified_address_never_reaches_someone_elses_account(page, provider):
    from playwright.sync_api import expect

    factories.UserFactory(email="paul.durand@ac-test.fr")
    _sign_in_at_the_provider(page, UNVERIFIED)
    expect(
        page.get_by_role("heading", name="Adresse électronique non vérifiée")
    ).to_be_visible()
    assert User.objects.filter(email__iexact=UNVERIFIED["email"]).count() == 1
