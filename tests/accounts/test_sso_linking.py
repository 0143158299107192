"""Single sign-on against the local OpenID Connect provider, without a browser.

Django's test client plays IMAG'IN's side, the harness's `authorize` plays the
browser at the provider (ProConnect mode): the nonce of every app configured
through SSO_PROVIDERS is checked, and a first sign-in is linked only to an
account whose address is verified on both sides.
"""

from __future__ import annotations

import html
import logging
import os
import re

import pytest
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory

from accounts.emails import email_address_set_by_staff, verified_owners
from accounts.models import User
from accounts.services import external_participant_create
from imagin.audit import AuditEvent
from tests import factories
from tests.accounts.test_email_change import post_profile
from tests.oidc_provider.harness import authorize, node_available, run_oidc_provider

PROVIDER_ID = "academie"
SERVER = "http://testserver"
CALLBACK = f"{SERVER}/comptes/sso/{PROVIDER_ID}/login/callback/"
TEACHER = {
    "sub": "prof-1",
    "email": "paul.durand@ac-test.fr",
    "email_verified": True,
    "given_name": "Paul",
    "usual_name": "Durand",
    "login": "pdurand",
    "password": "secret-sso",
}
UNVERIFIED = {**TEACHER, "sub": "prof-3", "email_verified": False, "login": "faux"}


@pytest.fixture(scope="module")
def issuer():
    if not node_available():
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed for the single sign-on tests")
        pytest.skip("node et npm introuvables : tests de connexion unique ignorés.")
    with run_oidc_provider(
        redirect_uris=[CALLBACK],
        post_logout_redirect_uris=[f"{SERVER}/"],
        users=[TEACHER, UNVERIFIED],
        proconnect=True,
    ) as issuer:
        yield issuer


@pytest.fixture(autouse=True)
def sso(settings, issuer, db):
    cache.clear()
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


def _to_callback(client, person=TEACHER) -> str:
    """Start the sign-in at IMAG'IN, sign in at the provider; return the
    callback path the provider sends the browser back to."""
    response = client.post(f"/comptes/sso/{PROVIDER_ID}/login/")
    assert response.status_code == 302, response.content
    url = authorize(
        response["Location"],
        login=person["login"],
        password=person["password"],
        redirect_prefix=CALLBACK,
    )
    return url.removeprefix(SERVER)


def _stashed_state(client) -> tuple[object, dict]:
    session = client.session
    [(state, _time, _provider)] = session["socialaccount_states"].values()
    return session, state


def _sign_in(client, person=TEACHER):
    return client.get(_to_callback(client, person))


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _signed_in_as(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def _teacher():
    """Paul Durand, whose address the division entered: trusted."""
    return external_participant_create(
        by=None, first_name="Paul", last_name="Durand", email=TEACHER["email"]
    )


# -------------------------------------------------------------------- nonce


@pytest.mark.parametrize("tampering", ["wrong", "missing"])
def test_an_id_token_whose_nonce_is_not_this_sign_ins_is_refused(
    client, caplog, tampering
):
    teacher = _teacher()
    callback = _to_callback(client)
    session, state = _stashed_state(client)
    sent = state["nonce"]
    if tampering == "wrong":
        state["nonce"] = "x" * 43  # as if the token came from another sign-in
    else:
        del state["nonce"]
    session.save()

    with caplog.at_level(logging.WARNING, logger="accounts.sso"):
        response = client.get(callback)

    assert response.status_code == 400
    assert "Connexion refusée" in _text(response)
    assert _signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    assert not AuditEvent.objects.filter(action="accounts.sso.linked").exists()
    assert teacher.last_login is None
    logged = caplog.text
    assert "nonce" in logged and PROVIDER_ID in logged
    # Nothing of the token in the log: neither the nonce nor a JWT.
    assert sent not in logged and "eyJ" not in logged


def test_the_nonce_it_sent_signs_a_known_teacher_in_and_links_the_account(client):
    teacher = _teacher()

    response = _sign_in(client)

    assert response.status_code == 302, _text(response)
    assert _signed_in_as(client) == teacher.pk
    assert SocialAccount.objects.get().user == teacher
    assert AuditEvent.objects.filter(
        action="accounts.sso.linked", target_id=teacher.pk
    ).exists()


def test_the_nonce_is_checked_again_before_linking_for_every_configured_app():
    """Whatever path a login takes to the adapter, an app of SSO_PROVIDERS
    (whatever its id) has its nonce compared: here the token's and the
    state's differ."""
    request = RequestFactory().get("/")
    request.session, request.user = {}, AnonymousUser()
    provider = get_social_adapter().get_provider(request, PROVIDER_ID)
    login = provider.sociallogin_from_response(
        request,
        {
            "userinfo": {"sub": "prof-1", "email": TEACHER["email"]},
            "id_token": {"sub": "prof-1", "nonce": "a" * 43},
        },
    )
    login.state = {"nonce": "b" * 43}
    _teacher()

    with pytest.raises(ImmediateHttpResponse) as refused:
        get_social_adapter().pre_social_login(request, login)

    assert refused.value.response.status_code == 400
    assert not SocialAccount.objects.exists()


# --------------------------------------------------- which account is linked


def test_an_unverified_address_typed_into_a_profile_never_captures_a_sign_in(
    client, outsider, django_capture_on_commit_callbacks
):
    client.force_login(outsider)
    with django_capture_on_commit_callbacks(execute=True):
        post_profile(client, {"email": TEACHER["email"], "phone": "", "address": ""})
    assert outsider.emailaddress_set.filter(email=TEACHER["email"]).exists()
    client.logout()

    response = _sign_in(client)

    assert response.status_code == 403
    assert "Compte inconnu" in _text(response)
    assert _signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    outsider.refresh_from_db()
    assert outsider.email != TEACHER["email"]


def test_an_accounts_own_but_unverified_address_is_refused_not_linked(client):
    user = factories.UserFactory(email=TEACHER["email"])  # never confirmed

    response = _sign_in(client)

    assert response.status_code == 403
    assert "Adresse électronique non vérifiée" in _text(response)
    assert "pas encore été confirmée" in _text(response)
    assert _signed_in_as(client) is None
    assert not SocialAccount.objects.filter(user=user).exists()
    assert User.objects.filter(email__iexact=TEACHER["email"]).count() == 1


def test_an_address_the_provider_did_not_verify_links_nobody(client):
    _teacher()

    response = _sign_in(client, UNVERIFIED)

    assert response.status_code == 403
    assert "n'a pas confirmé votre adresse" in _text(response)
    assert not SocialAccount.objects.exists()


def test_an_address_typed_then_confirmed_by_its_owner_links_the_sign_in(
    client, participant, django_capture_on_commit_callbacks, mailoutbox
):
    email_address_set_by_staff(user=participant, email=participant.email, by=None)
    client.force_login(participant)
    with django_capture_on_commit_callbacks(execute=True):
        post_profile(client, {"email": TEACHER["email"], "phone": "", "address": ""})
    link = re.search(r"/comptes/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    assert verified_owners(TEACHER["email"]) == [participant]
    client.logout()

    response = _sign_in(client)

    assert response.status_code == 302, _text(response)
    assert _signed_in_as(client) == participant.pk
    assert SocialAccount.objects.get().user == participant


def test_a_change_someone_asked_toward_the_address_never_blocks_a_new_agent(
    client, outsider, settings, django_capture_on_commit_callbacks
):
    settings.SSO_CREATE_UNKNOWN_AGENTS = True
    client.force_login(outsider)
    with django_capture_on_commit_callbacks(execute=True):
        post_profile(client, {"email": TEACHER["email"], "phone": "", "address": ""})
    client.logout()

    response = _sign_in(client)

    assert response.status_code == 302, _text(response)
    [created] = verified_owners(TEACHER["email"])
    assert created != outsider and created.kind == User.Kind.AGENT
    assert _signed_in_as(client) == created.pk
    assert not outsider.emailaddress_set.filter(email=TEACHER["email"]).exists()
