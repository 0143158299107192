"""The back-office shows whether a participant ever signed in, and a manager
re-issues a convocation's credentials: e-mailed when an address is known,
otherwise shown once on a page to hand over; never in the audit or the logs."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.roles import MANAGER
from imagin.audit import AuditEvent
from tests import factories

PASSWORD = re.compile(r"\b(?:[a-zA-Z2-9]{4}-){3}[a-zA-Z2-9]{4}\b")


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    from django.core.cache import cache

    cache.clear()


def _url(user) -> str:
    return reverse("admin:accounts_user_credentials", args=[user.pk])


def _change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def _no_password_kept(password: str, caplog) -> None:
    assert password not in caplog.text
    for event in AuditEvent.objects.all():
        assert password not in str(event.data), event.action


def test_the_list_shows_who_signed_in_and_filters_on_it(client, manager):
    signed_in = factories.ExternalParticipantFactory(last_name="Connue")
    signed_in.last_login = timezone.now() - timedelta(days=2)
    signed_in.save()
    never = factories.ExternalParticipantFactory(last_name="Absente")
    client.force_login(manager)
    changelist = reverse("admin:accounts_user_changelist")
    page = client.get(changelist).content.decode()
    assert "Jamais connecté(e)" in page
    assert "Connecté(e) le " in page

    page = client.get(changelist, {"connexion": "non"}).content.decode()
    assert never.username in page and signed_in.username not in page
    page = client.get(changelist, {"connexion": "oui"}).content.decode()
    assert signed_in.username in page and never.username not in page


def test_the_change_page_shows_the_last_sign_in_and_the_button(
    client, manager, external_participant
):
    client.force_login(manager)
    page = client.get(_change_url(external_participant)).content.decode()
    assert "Jamais connecté(e)" in page
    assert f'href="{_url(external_participant)}"' in page
    assert "Renvoyer les identifiants" in page

    client.force_login(external_participant)
    client.force_login(manager)
    page = client.get(_change_url(external_participant)).content.decode()
    assert "Connecté(e) le " in page and "Jamais connecté(e)" not in page


def test_an_agents_page_has_no_credentials_to_resend(client, manager, participant):
    client.force_login(manager)
    page = client.get(_change_url(participant)).content.decode()
    assert _url(participant) not in page
    assert client.get(_url(participant)).status_code == 404
    assert client.post(_url(participant)).status_code == 404


def test_credentials_go_by_email_when_an_address_is_known(
    client, manager, external_participant, django_capture_on_commit_callbacks, caplog
):
    client.force_login(manager)
    confirm = client.get(_url(external_participant))
    assert confirm.status_code == 200
    assert external_participant.email in confirm.content.decode()
    assert not PASSWORD.search(confirm.content.decode())

    with caplog.at_level(logging.DEBUG):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(_url(external_participant))
        assert response.status_code == 302
        assert response["Location"] == _change_url(external_participant)
        landing = client.get(response["Location"]).content.decode()
    assert "un nouveau mot de passe initial a été envoyé" in landing
    assert not PASSWORD.search(landing)

    (message,) = mail.outbox
    assert message.to == [external_participant.email]
    password = PASSWORD.search(message.body).group(0)
    assert external_participant.participant_number in message.body
    assert password in message.alternatives[0][0]
    external_participant.refresh_from_db()
    assert external_participant.check_password(password)
    assert external_participant.must_change_password

    events = AuditEvent.objects.for_object(external_participant)
    issued = events.get(action="accounts.participant.initial_password_issued")
    resent = events.get(action="accounts.participant.initial_password_resent")
    assert issued.actor == manager and resent.actor == manager
    assert resent.data["delivery"] == "email"
    _no_password_kept(password, caplog)

    # And it signs the participant in, on to choosing their own.
    client.logout()
    signed_in = client.post(
        reverse("account_login"),
        {"login": external_participant.username, "password": password},
    )
    assert signed_in["Location"] == reverse("account_change_password")


def test_without_an_address_the_password_is_shown_once_to_hand_over(
    client, manager, django_capture_on_commit_callbacks, caplog
):
    participant = factories.ExternalParticipantFactory(email="")
    client.force_login(manager)
    confirm = client.get(_url(participant)).content.decode()
    assert "une seule fois" in confirm

    with (
        caplog.at_level(logging.DEBUG),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(_url(participant))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    password = PASSWORD.search(page).group(0)
    assert participant.participant_number in page
    assert "imprimez cette page" in page
    assert not mail.outbox
    participant.refresh_from_db()
    assert participant.check_password(password)
    resent = AuditEvent.objects.for_object(participant).get(
        action="accounts.participant.initial_password_resent"
    )
    assert resent.actor == manager and resent.data["delivery"] == "handed_over"
    _no_password_kept(password, caplog)
    # Shown once: the page asked again issues nothing and shows nothing.
    again = client.get(_url(participant)).content.decode()
    assert password not in again


def test_those_without_the_right_get_nothing(client, external_participant):
    old_password = external_participant.password
    centre_head_like = factories.UserFactory()
    client.force_login(centre_head_like)
    response = client.post(_url(external_participant), follow=True)
    assert response.status_code == 403

    client.force_login(external_participant)
    response = client.post(_url(external_participant), follow=True)
    assert response.status_code in (403, 404)

    # A manager may not touch an account with a role (an administrator's job).
    manager = factories.ManagerFactory()
    external_participant.groups.add(Group.objects.get(name=MANAGER))
    client.force_login(manager)
    assert client.get(_url(external_participant)).status_code == 403
    assert client.post(_url(external_participant)).status_code == 403

    external_participant.refresh_from_db()
    assert external_participant.password == old_password
    assert not AuditEvent.objects.filter(
        action="accounts.participant.initial_password_resent"
    ).exists()
    assert not mail.outbox


def test_a_deactivated_account_gets_no_credentials(
    client, manager, external_participant
):
    external_participant.is_active = False
    external_participant.save()
    old_password = external_participant.password
    client.force_login(manager)
    response = client.post(_url(external_participant), follow=True)
    assert "ce compte est désactivé" in response.content.decode()
    external_participant.refresh_from_db()
    assert external_participant.password == old_password
