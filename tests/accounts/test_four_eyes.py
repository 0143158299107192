"""Four eyes on money: nobody in the back-office sets another person's
password, and whoever changed bank details is not the one to verify them."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import FinancialFile, FinancialFileStatus, User
from accounts.passwords import initial_password_issue
from accounts.services import (
    external_request_approve,
    financial_file_mark_checked,
    financial_file_save,
)
from imagin.audit import AuditEvent
from tests import factories

IBAN = "FR7630006000011234567890189"
PDF = b"%PDF-1.4\n%%EOF\n"
LINK = re.compile(r"https?://\S+/comptes/password/reset/key/\S+")


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    from django.core.cache import cache

    cache.clear()


def _superuser():
    return factories.UserFactory(is_staff=True, is_superuser=True)


STAFF = {
    "manager": factories.ManagerFactory,
    "administrator": factories.AdministratorFactory,
    "superuser": _superuser,
}


def _action(client, name, users):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": name, "_selected_action": [user.pk for user in users]},
        follow=True,
    )


def _events(action, target=None):
    events = AuditEvent.objects.filter(action=action)
    if target is not None:
        events = events.for_object(target)
    return list(events)


# ---------------------------------------------------------------- passwords


@pytest.mark.parametrize("role", STAFF)
def test_nobody_in_the_back_office_sets_another_persons_password(
    client, participant, role
):
    client.force_login(STAFF[role]())
    url = reverse("admin:auth_user_password_change", args=[participant.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {"password1": "Une-phrase-bien-longue", "password2": "Une-phrase-bien-longue"},
    )
    assert response.status_code == 403
    participant.refresh_from_db()
    assert not participant.check_password("Une-phrase-bien-longue")
    page = client.get(reverse("admin:accounts_user_change", args=[participant.pk]))
    assert page.status_code == 200
    assert "password/" not in page.content.decode()


def test_an_account_created_in_the_back_office_has_no_password_anyone_knows(
    client, manager
):
    client.force_login(manager)
    page = client.get(reverse("admin:accounts_user_add")).content.decode()
    assert 'name="password1"' not in page
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nouvel.agent",
            "first_name": "Nina",
            "last_name": "Neuve",
            "email": "nina.neuve@exemple.invalid",
            "password1": "Connue-du-gestionnaire-1",
            "password2": "Connue-du-gestionnaire-1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="nouvel.agent")
    assert not user.has_usable_password()


def test_a_manager_sends_a_link_to_choose_a_password_to_the_address_on_file(
    client, manager, participant, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(client, "send_password_reset", [participant])
    assert "a été envoyé à a***@exemple.invalid" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [participant.email]
    link = LINK.search(message.body).group(0)
    (event,) = _events("accounts.password.reset_sent", participant)
    assert event.actor == manager and event.data["to"] == "a***@exemple.invalid"
    assert link.split("/key/")[1] not in str(event.data)

    # The participant (and only them, by their mailbox) chooses the password.
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    chosen = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {
            "password1": "Une-phrase-bien-longue-2027",
            "password2": "Une-phrase-bien-longue-2027",
        },
    )
    assert chosen.status_code == 302
    participant.refresh_from_db()
    assert participant.check_password("Une-phrase-bien-longue-2027")
    assert _events("accounts.password.reset_completed", participant)


def test_no_link_is_sent_to_an_account_without_an_address(client, manager):
    nobody = factories.ExternalParticipantFactory(email="")
    client.force_login(manager)
    response = _action(client, "send_password_reset", [nobody])
    assert "aucune adresse électronique" in response.content.decode()
    assert not mail.outbox
    assert not _events("accounts.password.reset_sent")


def test_whoever_changed_the_address_is_not_the_one_to_send_the_link(
    client, manager, participant, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    url = reverse("admin:accounts_user_change", args=[participant.pk])
    form = {
        "username": participant.username,
        "first_name": participant.first_name,
        "last_name": participant.last_name,
        "email": "boite.du.gestionnaire@exemple.invalid",
        "kind": participant.kind,
        "language": "fr",
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "08:00:00",
        "initial-date_joined_0": "01/01/2026",
        "initial-date_joined_1": "08:00:00",
    }
    assert client.post(url, form).status_code == 302
    changed = _events("accounts.email.set_by_staff", participant)[0]  # the latest
    assert changed.actor == manager

    response = _action(client, "send_password_reset", [participant])
    assert "un autre membre de la division doit envoyer" in response.content.decode()
    assert not mail.outbox

    client.force_login(factories.ManagerFactory())
    with django_capture_on_commit_callbacks(execute=True):
        _action(client, "send_password_reset", [participant])
    assert [m.to for m in mail.outbox] == [["boite.du.gestionnaire@exemple.invalid"]]


def test_a_new_initial_password_is_announced_by_email_without_the_password(
    client, manager, external_participant, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(client, "issue_initial_password", [external_participant])
    shown = re.search(
        r"mot de passe initial (\S{4}-\S{4}-\S{4}-\S{4})", response.content.decode()
    ).group(1)
    (message,) = mail.outbox
    assert message.to == [external_participant.email]
    assert "nouveau mot de passe initial" in message.body
    assert external_participant.participant_number in message.body
    html = message.alternatives[0][0]
    assert shown not in message.body and shown not in html
    assert "contactez la division" in message.body
    (event,) = _events(
        "accounts.participant.initial_password_issued", external_participant
    )
    assert event.actor == manager and shown not in str(event.data)


def test_a_convocation_announces_its_initial_password_itself(
    external_participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        initial_password_issue(user=external_participant, by=None)
    assert not mail.outbox


# ---------------------------------------------------------------- bank details


def _save(user, by, **overrides):
    values = {"holder": "Paul Durand", "iban": IBAN, "bic": "AGRIFRPP"} | overrides
    return financial_file_save(user=user, by=by, **values)


def test_the_participant_is_emailed_when_their_bank_details_change(
    participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _save(participant, participant)
    with django_capture_on_commit_callbacks(execute=True):
        file = _save(participant, participant, iban="FR1420041010050500013M02606")
    with django_capture_on_commit_callbacks(execute=True):
        _save(participant, participant, iban="FR1420041010050500013M02606")
    assert len(mail.outbox) == 2  # saved twice with a change, once without
    message = mail.outbox[1]
    assert message.to == [participant.email]
    assert file.masked_iban in message.body
    assert "FR1420041010050500013M02606" not in message.body
    assert "20041010050500013" not in message.alternatives[0][0]
    assert "pas à l'origine de cette modification" in message.body
    assert "Date :" in message.body


def test_the_file_records_who_last_changed_its_bank_details(participant):
    file = _save(participant, participant)
    assert file.details_changed_by == participant
    file.refresh_from_db()
    assert file.details_changed_by == participant


@pytest.fixture
def approved_by_a_manager(client, manager):
    client.post(
        reverse("accounts:request_create"),
        factories.request_form_data(iban=IBAN),
    )
    from accounts.models import ExternalParticipantRequest

    user = external_request_approve(
        request=ExternalParticipantRequest.objects.get(), by=manager
    )
    return user.financial_file


def test_a_manager_who_recorded_bank_details_cannot_verify_them(
    client, manager, approved_by_a_manager
):
    file = approved_by_a_manager
    assert file.details_changed_by == manager
    client.force_login(manager)
    page = client.get(reverse("admin:accounts_financialfile_change", args=[file.pk]))
    assert "Coordonnées modifiées par" in page.content.decode()
    assert str(manager) in page.content.decode()
    response = client.post(
        reverse("admin:accounts_financialfile_changelist"),
        {"action": "mark_checked", "_selected_action": [file.pk]},
        follow=True,
    )
    assert "un autre gestionnaire doit les vérifier" in response.content.decode()
    file.refresh_from_db()
    assert file.status == FinancialFileStatus.TO_CHECK
    assert not _events("accounts.financial_file.checked")

    other = factories.ManagerFactory()
    client.force_login(other)
    response = client.post(
        reverse("admin:accounts_financialfile_changelist"),
        {"action": "mark_checked", "_selected_action": [file.pk]},
        follow=True,
    )
    assert "dossier vérifié" in response.content.decode()
    file.refresh_from_db()
    assert file.status == FinancialFileStatus.CHECKED
    (event,) = _events("accounts.financial_file.checked", file)
    assert event.actor == other


def test_nobody_verifies_their_own_bank_details(manager):
    file = _save(manager, manager)
    with pytest.raises(Exception, match="votre propre dossier"):
        financial_file_mark_checked(file=file, by=manager)
    file.refresh_from_db()
    assert file.status == FinancialFileStatus.TO_CHECK


def test_the_migration_finds_who_changed_older_files_in_the_audit_log(participant):
    from importlib import import_module

    from django.apps import apps

    migration = import_module(
        "accounts.migrations.0004_financialfile_details_changed_by"
    )
    file = _save(participant, participant)
    FinancialFile.objects.filter(pk=file.pk).update(details_changed_by=None)
    migration.details_changed_by_from_the_audit_log(apps, None)
    file.refresh_from_db()
    assert file.details_changed_by == participant


def test_an_address_its_owner_confirmed_since_is_theirs_whoever_typed_the_first(
    manager, participant
):
    from accounts.emails import email_address_set_by_staff, email_change_confirmed
    from accounts.passwords import can_send_password_reset

    email_address_set_by_staff(
        user=participant, email="saisie.par.le.gestionnaire@exemple.invalid", by=manager
    )
    participant.refresh_from_db()
    assert not can_send_password_reset(user=participant, by=manager)[0]

    # The owner changes it and confirms the new one (allauth makes it primary).
    email_change_confirmed(
        user=participant,
        previous=participant.email,
        email="la.sienne@exemple.invalid",
    )
    participant.email = "la.sienne@exemple.invalid"
    participant.save(update_fields=["email"])
    assert can_send_password_reset(user=participant, by=manager) == (True, "")

    # Typed again by the same manager: theirs again, refused again.
    email_address_set_by_staff(
        user=participant, email="saisie.par.le.gestionnaire@exemple.invalid", by=manager
    )
    participant.refresh_from_db()
    assert not can_send_password_reset(user=participant, by=manager)[0]
