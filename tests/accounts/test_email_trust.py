"""Which e-mail addresses count as verified: entered by the division for an
account nobody has used, or confirmed by their owner; the data migration that
gave existing accounts their addresses."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse

from accounts.emails import email_address_set_by_staff, verified_owners
from accounts.services import (
    external_participant_create,
)
from imagin.audit import AuditEvent
from tests.accounts.email_helpers import (
    NEW,
    approved_request,
    link_from_outbox,
    page_text,
    path_of,
    trusted,
)


@pytest.fixture(autouse=True)
def fresh_rate_limits(db):
    cache.clear()


def test_an_address_the_division_enters_is_trusted(manager):
    created = external_participant_create(
        by=manager, first_name="Ana", last_name="Lopez", email="Ana@Exemple.invalid"
    )

    assert verified_owners("ana@exemple.invalid") == [created]
    assert AuditEvent.objects.filter(
        action="accounts.email.set_by_staff", target_id=created.pk, actor=manager
    ).exists()


def test_an_address_typed_in_a_creation_request_waits_for_its_owner(
    manager, django_capture_on_commit_callbacks
):
    user = approved_request(manager, django_capture_on_commit_callbacks)

    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == (
        "req@exemple.invalid",
        True,
        False,
    )
    assert verified_owners("req@exemple.invalid") == []


def test_an_unverified_current_address_is_confirmed_from_the_profile(
    client, manager, django_capture_on_commit_callbacks
):
    user = approved_request(manager, django_capture_on_commit_callbacks)
    client.force_login(user)
    assert "pas encore confirmée" in page_text(client.get(reverse("accounts:profile")))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:email_confirmation_resend"))
    client.post(path_of(link_from_outbox("req@exemple.invalid")))

    assert verified_owners("req@exemple.invalid") == [user]


def test_a_division_address_already_verified_elsewhere_is_not_verified_twice(
    participant, outsider
):
    trusted(outsider, "commun@exemple.invalid")

    verified = email_address_set_by_staff(
        user=participant, email="commun@exemple.invalid", by=None
    )

    assert verified is False
    assert verified_owners("commun@exemple.invalid") == [outsider]


# ------------------------------------------------------ the data migration


def _migrate():
    from importlib import import_module

    module = import_module("accounts.sso.migrations.0001_email_addresses")
    module.addresses_from_users(apps, None)


def test_the_migration_trusts_only_addresses_nobody_could_have_typed(
    client, participant, outsider, manager, django_capture_on_commit_callbacks
):
    client.force_login(outsider)  # signed in once: could have typed it
    requested = approved_request(manager, django_capture_on_commit_callbacks)
    EmailAddress.objects.all().delete()  # as before this change

    _migrate()
    _migrate()  # running it again changes nothing

    rows = {
        address.user_id: (address.primary, address.verified)
        for address in EmailAddress.objects.all()
    }
    assert EmailAddress.objects.count() == len(rows)
    assert rows[participant.pk] == (True, True)
    assert rows[outsider.pk] == (True, False)
    assert rows[requested.pk] == (True, False)


def test_an_address_the_division_changes_on_an_account_in_use_waits_for_its_owner(
    client, participant, manager
):
    client.force_login(participant)  # the account is in use

    verified = email_address_set_by_staff(user=participant, email=NEW, by=manager)

    participant.refresh_from_db()
    assert (verified, participant.email) == (False, NEW)
    assert verified_owners(NEW) == []


def test_an_account_the_division_creates_in_the_back_office_has_a_trusted_address(
    client, manager
):
    client.force_login(manager)
    response = client.post(
        "/gestion/accounts/user/add/",
        {
            "username": "nouvelle.agente",
            "first_name": "Nina",
            "last_name": "Agente",
            "email": "Nina.Agente@ac-test.fr",
            "_save": "",
        },
    )

    assert response.status_code == 302, page_text(response)
    [created] = verified_owners("nina.agente@ac-test.fr")
    assert created.username == "nouvelle.agente"
    assert AuditEvent.objects.filter(
        action="accounts.email.set_by_staff", target_id=created.pk, actor=manager
    ).exists()
