"""External participants: the initial password works once, then a personal one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.middleware import ALWAYS_ALLOWED, PASSWORD_CHANGE
from accounts.passwords import initial_password_issue
from imagin.audit import AuditEvent


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    from django.core.cache import cache

    cache.clear()


def _login(client, user, password):
    return client.post(
        reverse("account_login"), {"login": user.username, "password": password}
    )


def test_the_initial_password_signs_in_once_and_asks_for_a_new_one(
    client, external_participant
):
    password = initial_password_issue(user=external_participant, by=None)
    response = _login(client, external_participant, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
    external_participant.refresh_from_db()
    assert external_participant.initial_password_used_at is not None

    client.post(reverse("account_logout"))
    response = _login(client, external_participant, password)
    assert response.status_code == 200
    assert "a déjà servi" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated


def test_an_expired_initial_password_is_refused_with_a_reason(
    client, external_participant
):
    password = initial_password_issue(user=external_participant, by=None)
    external_participant.initial_password_expires_at = timezone.now() - timedelta(
        minutes=1
    )
    external_participant.save()
    response = _login(client, external_participant, password)
    assert "a expiré" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated


def test_choosing_a_personal_password_lifts_the_restriction(
    client, external_participant
):
    password = initial_password_issue(user=external_participant, by=None)
    _login(client, external_participant, password)
    assert client.get(reverse("accounts:profile")).status_code == 302
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": password,
            "password1": "Une-phrase-bien-longue-2027",
            "password2": "Une-phrase-bien-longue-2027",
        },
    )
    assert response.status_code == 302
    external_participant.refresh_from_db()
    assert not external_participant.must_change_password
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert AuditEvent.objects.filter(
        action="accounts.participant.password_chosen"
    ).exists()


def test_a_short_or_common_password_is_refused(client, external_participant):
    password = initial_password_issue(user=external_participant, by=None)
    _login(client, external_participant, password)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": "motdepasse", "password2": "motdepasse"},
    )
    assert response.status_code == 200
    assert "fr-input-group--error" in response.content.decode()
    external_participant.refresh_from_db()
    assert external_participant.must_change_password


def _sample(match: re.Match) -> str:
    body = match.group(1)
    if "|" in body:
        return body.split("|")[0].strip("()")
    return "1" if "\\d" in body or "0-9" in body else "x"


def _paths(patterns, prefix: str = ""):
    """One concrete path per URL pattern of the project, admin and allauth included."""
    for pattern in patterns:
        route = str(pattern.pattern)
        route = re.sub(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", _sample, route)
        route = re.sub(
            r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", route
        )
        route = route.lstrip("^").replace("$", "").replace("\\Z", "").replace("\\", "")
        if isinstance(pattern, URLResolver):
            yield from _paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield pattern.name or "", "/" + prefix + route


ALL_PATHS = sorted(set(_paths(get_resolver().url_patterns)))
OPEN = ALWAYS_ALLOWED | PASSWORD_CHANGE


@pytest.mark.parametrize(("name", "path"), ALL_PATHS, ids=[p for _, p in ALL_PATHS])
def test_every_page_waits_for_the_personal_password(
    client, external_participant, name, path
):
    initial_password_issue(user=external_participant, by=None)
    external_participant.refresh_from_db()
    client.force_login(external_participant)
    get = client.get(path)
    post = client.post(path)
    if name in OPEN:
        assert not (
            get.status_code == 302
            and get["Location"] == reverse("account_change_password")
        ), path
        return
    assert get.status_code == 302, path
    assert get["Location"] == reverse("account_change_password"), path
    assert post.status_code == 403, path


def test_static_files_are_not_held_back(client, external_participant):
    initial_password_issue(user=external_participant, by=None)
    external_participant.refresh_from_db()
    client.force_login(external_participant)
    response = client.get("/static/imagin/imagin.css")
    assert response.status_code == 200


def test_a_password_reset_by_e_mail_works_for_anyone_with_an_address(
    client, external_participant
):
    initial_password_issue(user=external_participant, by=None)
    client.post(
        reverse("account_reset_password"), {"email": external_participant.email}
    )
    assert len(mail.outbox) == 1
    link = re.search(
        r"https?://\S+/comptes/password/reset/key/\S+", mail.outbox[0].body
    )
    assert link, mail.outbox[0].body
    response = client.get(link.group(0), follow=True)
    form_url = (
        response.redirect_chain[-1][0] if response.redirect_chain else link.group(0)
    )
    response = client.post(
        form_url,
        {
            "password1": "Une-phrase-bien-longue-2027",
            "password2": "Une-phrase-bien-longue-2027",
        },
    )
    assert response.status_code == 302
    external_participant.refresh_from_db()
    assert external_participant.check_password("Une-phrase-bien-longue-2027")
    assert not external_participant.must_change_password


def test_failed_sign_ins_are_rate_limited_per_account(client, participant):
    for _ in range(5):
        client.post(
            reverse("account_login"),
            {"login": participant.username, "password": "mauvais"},
        )
    from tests.factories import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": participant.username, "password": PASSWORD}
    )
    assert "tentatives" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated
