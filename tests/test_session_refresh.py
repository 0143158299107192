"""The idle timeout runs from the last activity without a database write at
every request: a signed-in session is saved again once a minute at most."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imagin.session_timeout import REFRESHED_AT

pytestmark = pytest.mark.django_db


def _session_writes(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"]
        and query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_pages_seen_within_a_minute_write_no_session(client, participant):
    client.force_login(participant)
    url = reverse("claims:list")
    client.get(url)  # the first page records when the session was saved
    assert _session_writes(client, url) == []
    assert _session_writes(client, url) == []


def test_a_page_seen_a_minute_later_pushes_the_idle_timeout_back(client, participant):
    client.force_login(participant)
    url = reverse("claims:list")
    client.get(url)
    before = _expiry(client)
    session = client.session
    session[REFRESHED_AT] -= 61
    session.save()
    saved = _expiry(client)
    assert _session_writes(client, url)
    assert _expiry(client) > saved >= before


def test_an_anonymous_visit_creates_no_session(client):
    assert _session_writes(client, reverse("home")) == []
    assert not Session.objects.exists()
