"""External participants: the initial password signs in until a personal one
replaces it (or it expires), and every page asks for that personal one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.middleware import (
    ALWAYS_ALLOWED,
    ALWAYS_ALLOWED_NAMESPACES,
    PASSWORD_CHANGE,
)
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


NEW_PASSWORD = "Une-phrase-bien-longue-2027"


def _choose(client, old: str, new: str = NEW_PASSWORD):
    return client.post(
        reverse("account_change_password"),
        {"oldpassword": old, "password1": new, "password2": new},
    )


def test_the_initial_password_signs_in_again_until_a_personal_one_is_chosen(
    client, external_participant
):
    password = initial_password_issue(user=external_participant, by=None)
    for _attempt in range(3):
        response = _login(client, external_participant, password)
        assert response.status_code == 302
        assert response["Location"] == reverse("account_change_password")
        # Whatever page they ask for, the personal password comes first.
        held = client.get(reverse("claims:list"))
        assert held["Location"] == reverse("account_change_password")
        client.post(reverse("account_logout"))
    external_participant.refresh_from_db()
    assert external_participant.initial_password_used_at is not None
    uses = AuditEvent.objects.for_object(external_participant).filter(
        action="accounts.participant.initial_password_used"
    )
    assert uses.count() == 3
    assert [event.data["first_sign_in"] for event in uses.order_by("pk")] == [
        True,
        False,
        False,
    ]

    _login(client, external_participant, password)
    assert _choose(client, password).status_code == 302
    client.post(reverse("account_logout"))
    response = _login(client, external_participant, password)
    assert response.status_code == 200
    assert not client.get("/").context["user"].is_authenticated
    response = _login(client, external_participant, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] != reverse("account_change_password")


def test_the_initial_password_is_not_kept_as_the_personal_one(
    client, external_participant
):
    password = initial_password_issue(user=external_participant, by=None)
    _login(client, external_participant, password)
    response = _choose(client, password, new=password)
    assert response.status_code == 200
    assert "différent du mot de passe initial" in response.content.decode()
    external_participant.refresh_from_db()
    assert external_participant.must_change_password


@pytest.mark.parametrize("used_before", [False, True])
def test_an_expired_initial_password_is_refused_with_a_reason(
    client, external_participant, used_before
):
    password = initial_password_issue(user=external_participant, by=None)
    if used_before:  # having signed in with it does not extend it
        _login(client, external_participant, password)
        client.post(reverse("account_logout"))
        external_participant.refresh_from_db()
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
    response = _choose(client, password)
    assert response.status_code == 302
    # On to what they came for, told that their password is saved.
    assert response["Location"] == reverse("claims:list")
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert "Votre mot de passe personnel est enregistré" in landing.content.decode()
    external_participant.refresh_from_db()
    assert not external_participant.must_change_password
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert AuditEvent.objects.filter(
        action="accounts.participant.password_chosen"
    ).exists()
    # A later change is an ordinary one: back to the password page.
    again = _choose(client, NEW_PASSWORD, new="Une-autre-phrase-assez-longue")
    assert again["Location"] == reverse("account_change_password")


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
    if name in OPEN or resolve(path).namespace in ALWAYS_ALLOWED_NAMESPACES:
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
