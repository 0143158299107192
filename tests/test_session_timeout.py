"""The idle timeout as people live it (imagin/session_timeout.py): a dialog
warns before it, "Rester connecté(e)" pushes it back, and a session that
expired is told as such on the sign-in page, unlike a sign-out."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from imagin.session_timeout import (
    DRAFT_SAVED_COOKIE,
    REFRESHED_AT,
    SIGNED_IN_COOKIE,
)

pytestmark = pytest.mark.django_db

EXPIRED = "Votre session a expiré après"
KEEP_ALIVE = reverse("session_keep_alive")


class _Dialog(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.dialogs: list[dict] = []
        self.scripts: list[str] = []
        self.keep_draft: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "dialog" and "data-session-timeout" in attributes:
            self.dialogs.append(attributes)
        if tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])
        if tag == "form" and "data-keep-draft" in attributes:
            self.keep_draft.append(attributes["data-keep-draft"])


def _parsed(response) -> _Dialog:
    parser = _Dialog()
    parser.feed(response.content.decode())
    return parser


def test_a_signed_in_page_carries_the_warning_dialog_and_the_marker(
    client, participant, settings
):
    settings.SESSION_COOKIE_AGE = 3600
    settings.SESSION_REFRESH_INTERVAL = 60
    client.force_login(participant)
    response = client.get(reverse("claims:list"))
    (dialog,) = _parsed(response).dialogs
    # The least the session has left: it may have been saved a minute ago.
    assert dialog["data-seconds-left"] == "3540"
    assert dialog["data-warning-seconds"] == "300"
    scripts = _parsed(response).scripts
    assert any(src.endswith("imagin/session-timeout.js") for src in scripts)
    assert any(src.endswith("imagin/draft-keeper.js") for src in scripts)
    marker = response.cookies[SIGNED_IN_COOKIE]
    assert marker.value == "1" and marker["httponly"] and not marker["max-age"]


def test_an_anonymous_page_has_neither(client):
    response = client.get(reverse("home"))
    assert _parsed(response).dialogs == []
    assert SIGNED_IN_COOKIE not in response.cookies


def test_a_session_that_expired_is_told_on_the_sign_in_page(client, participant):
    client.force_login(participant)
    client.get(reverse("claims:list"))
    assert SIGNED_IN_COOKIE in client.cookies
    Session.objects.all().delete()  # what the idle timeout does

    response = client.get(reverse("claims:list"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert EXPIRED in response.content.decode()
    # Told once: the marker is gone.
    assert client.cookies[SIGNED_IN_COOKIE].value == ""
    assert EXPIRED not in client.get(reverse("account_login")).content.decode()


def test_a_save_posted_after_expiry_leads_to_sign_in_then_back_to_the_step(
    client, participant, convoked_claim
):
    client.force_login(participant)
    client.get(reverse("claims:list"))
    Session.objects.all().delete()
    step = reverse("claims:step", args=[convoked_claim.pk, "mission"])
    response = client.post(step, {"performed": "yes", "action": "enregistrer"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]
    assert EXPIRED in client.get(response["Location"]).content.decode()


def test_signing_out_is_not_an_expiry(client, participant):
    client.force_login(participant)
    client.get(reverse("claims:list"))
    response = client.post(reverse("account_logout"), follow=True)
    assert EXPIRED not in response.content.decode()
    assert client.cookies[SIGNED_IN_COOKIE].value == ""


def test_staying_signed_in_saves_the_session_again(client, participant, settings):
    settings.SESSION_COOKIE_AGE = 3600
    settings.SESSION_REFRESH_INTERVAL = 60
    client.force_login(participant)
    client.get(reverse("claims:list"))
    session = client.session
    session[REFRESHED_AT] -= 30  # saved half a minute ago: no refresh due
    session.save()
    before = Session.objects.get(session_key=session.session_key).expire_date

    response = client.post(KEEP_ALIVE, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert json.loads(response.content) == {"signed_in": True, "seconds_left": 3540}
    after = Session.objects.get(session_key=session.session_key).expire_date
    assert after > before


def test_without_the_script_the_form_comes_back_to_its_page(client, participant):
    client.force_login(participant)
    page = reverse("claims:list")
    response = client.post(KEEP_ALIVE, {"next": page}, follow=True)
    assert response.redirect_chain == [(page, 302)]
    assert "Votre session est prolongée." in response.content.decode()
    # Never elsewhere than this site.
    response = client.post(KEEP_ALIVE, {"next": "https://ailleurs.example/"})
    assert response["Location"] == reverse("claims:list") or response[
        "Location"
    ].startswith("/")
    assert "ailleurs" not in response["Location"]


def test_once_expired_staying_signed_in_says_so(client):
    response = client.post(KEEP_ALIVE, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert json.loads(response.content) == {"signed_in": False}
    response = client.post(KEEP_ALIVE, {"next": "/mes-etats-de-frais/"})
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(KEEP_ALIVE).status_code == 405


def test_claim_steps_keep_their_draft_for_their_owner_only(
    client, participant, convoked_claim
):
    client.force_login(participant)
    step = reverse("claims:step", args=[convoked_claim.pk, "mission"])
    assert _parsed(client.get(step)).keep_draft == [str(participant.pk)]


def test_a_saved_step_tells_the_browser_its_copy_can_go(
    client, participant, convoked_claim
):
    client.force_login(participant)
    step = reverse("claims:step", args=[convoked_claim.pk, "mission"])
    response = client.post(
        step,
        {
            "performed": "yes",
            "action": "enregistrer",
            "version": convoked_claim.version,
        },
    )
    assert response.status_code == 302
    saved = response.cookies[DRAFT_SAVED_COOKIE]
    assert saved.value == step and saved["max-age"] == 60
    assert not saved["httponly"]  # read by draft-keeper.js
    # Nothing saved, nothing said: a refused version is not a save.
    response = client.post(step, {"performed": "yes", "version": "-1"})
    assert DRAFT_SAVED_COOKIE not in response.cookies
