"""The audit trail of security events: rights, sign-ins, passwords, staff
downloads; and the back-office audit log that shows them."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from accounts.roles import ADMINISTRATOR, MANAGER
from accounts.security_events import acting_as
from accounts.services import financial_file_save
from imagin.audit import AuditEvent
from tests import factories

PDF = b"%PDF-1.4\n%%EOF\n"
PASSWORD = factories.PASSWORD


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    from django.core.cache import cache

    cache.clear()


def _events(action, target=None):
    events = AuditEvent.objects.filter(action=action)
    if target is not None:
        events = events.for_object(target)
    return list(events.order_by("pk"))


def _change_form(user, **rights) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "kind": user.kind,
        "language": user.language,
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "08:00:00",
        "initial-date_joined_0": "01/01/2026",
        "initial-date_joined_1": "08:00:00",
        **rights,
    }


# ---------------------------------------------------------------- rights


def test_an_administrator_cannot_grant_themself_a_role(client):
    administrator = factories.AdministratorFactory()
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
    client.force_login(administrator)
    url = reverse("admin:accounts_user_change", args=[administrator.pk])
    roles = Group.objects.filter(name__in=[MANAGER, ADMINISTRATOR])
    form = _change_form(
        administrator,
        is_superuser="on",
        groups=[str(group.pk) for group in roles],
    )
    assert client.post(url, form).status_code == 302
    administrator.refresh_from_db()
    assert [g.name for g in administrator.groups.all()] == [ADMINISTRATOR]
    assert not administrator.is_superuser
    assert not AuditEvent.objects.filter(
        pk__gt=before, action__startswith="accounts.role."
    ).exists()


def test_a_superuser_grants_and_removes_roles_and_each_change_is_audited(
    client, participant
):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    manager_group = Group.objects.get(name=MANAGER)
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[participant.pk])
    granted = _change_form(participant, is_staff="on", groups=[str(manager_group.pk)])
    assert client.post(url, granted).status_code == 302
    participant.refresh_from_db()
    assert participant.is_staff and list(participant.groups.all()) == [manager_group]
    events = _events("accounts.role.granted", participant)
    assert {event.data["role"] for event in events} == {
        MANAGER,
        "accès au back-office (is_staff)",
    }
    for event in events:
        assert event.actor == superuser
        assert event.data["by"] == superuser.username
        assert event.data["to"] == participant.username

    assert client.post(url, _change_form(participant)).status_code == 302
    participant.refresh_from_db()
    assert not participant.is_staff and not participant.groups.exists()
    revoked = _events("accounts.role.revoked", participant)
    assert {event.data["role"] for event in revoked} == {
        MANAGER,
        "accès au back-office (is_staff)",
    }
    assert all(event.actor == superuser for event in revoked)


def test_rights_changed_outside_the_back_office_are_audited_as_the_systems(
    participant,
):
    group = Group.objects.get(name=MANAGER)
    participant.groups.add(group)
    group.user_set.remove(participant)
    participant.groups.add(group)
    participant.groups.clear()
    participant.is_superuser = True
    participant.save()
    permission = Permission.objects.get(codename="view_claim")
    participant.user_permissions.add(permission)

    granted = [e.data["role"] for e in _events("accounts.role.granted", participant)]
    revoked = [e.data["role"] for e in _events("accounts.role.revoked", participant)]
    assert granted == [
        MANAGER,
        MANAGER,
        "superutilisateur",
        "permission claims.view_claim",
    ]
    assert revoked == [MANAGER, MANAGER]
    assert all(
        e.actor is None and e.actor_label == "système"
        for e in _events("accounts.role.granted", participant)
    )


def test_a_new_superuser_from_a_command_is_audited(db):
    from django.core.management import call_command

    call_command(
        "createsuperuser",
        interactive=False,
        username="racine",
        email="racine@exemple.invalid",
        verbosity=0,
    )
    from accounts.models import User

    root = User.objects.get(username="racine")
    roles = {e.data["role"] for e in _events("accounts.role.granted", root)}
    assert roles == {"superutilisateur", "accès au back-office (is_staff)"}


def test_no_one_but_a_superuser_changes_rights_even_past_the_form(participant):
    administrator = factories.AdministratorFactory()
    group = Group.objects.get(name=MANAGER)
    # As in the back-office, the refusal rolls back the request's transaction.
    refused = pytest.raises(PermissionDenied)
    with acting_as(administrator), refused, transaction.atomic():
        participant.groups.add(group)
    refused = pytest.raises(PermissionDenied)
    with acting_as(administrator), refused, transaction.atomic():
        participant.is_staff = True
        participant.save()
    participant.refresh_from_db()
    assert not participant.groups.exists() and not participant.is_staff
    assert not _events("accounts.role.granted", participant)


def test_removing_an_account_logs_the_rights_it_had(client):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    manager = factories.ManagerFactory()
    client.force_login(superuser)
    url = reverse("admin:accounts_user_delete", args=[manager.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    revoked = _events("accounts.role.revoked", manager)
    assert {event.data["role"] for event in revoked} == {
        MANAGER,
        "accès au back-office (is_staff)",
    }
    assert all(event.actor == superuser for event in revoked)
    assert all(event.data["account_deleted"] for event in revoked)


def test_the_account_page_says_how_a_password_is_given(client, manager, participant):
    client.force_login(manager)
    page = client.get(reverse("admin:accounts_user_change", args=[participant.pk]))
    text = page.content.decode()
    assert "Un mot de passe est défini." in text
    assert "Envoyer un lien pour choisir un mot de passe" in text
    assert 'name="password' not in text


# ---------------------------------------------------------------- signing in


def _login(client, login, password):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_a_sign_in_is_audited_with_the_address_it_came_from(client, participant):
    response = _login(client, participant.username, PASSWORD)
    assert response.status_code == 302
    (event,) = _events("accounts.sign_in.succeeded", participant)
    assert event.actor == participant
    assert event.data["method"] == "password"
    assert event.data["ip"] == "127.0.0.1"


def test_a_refused_sign_in_keeps_the_identifier_never_the_password(client, participant):
    secret = "Mauvais-mot-de-passe-tape-2027"
    response = _login(client, participant.username, secret)
    assert response.status_code == 200
    (event,) = _events("accounts.sign_in.failed", participant)
    assert event.actor is None
    assert event.data["identifier"] == participant.username
    assert event.data["known_account"] is True
    assert secret not in str(event.data)
    assert not _events("accounts.sign_in.succeeded")


def test_a_sign_in_as_nobody_is_logged_against_no_account_and_storable(client, db):
    _login(client, "inconnu\x07\u202e", "Quelque-chose-2027")
    (event,) = _events("accounts.sign_in.failed")
    assert event.target_id == 0
    assert event.data["known_account"] is False
    assert event.data["identifier"].startswith("inconnu\ufffd")
    log = reverse("admin:imagin_auditevent_changelist") + "?securite=echecs"
    client.force_login(factories.ManagerFactory())
    page = client.get(log).content.decode()
    assert "compte inconnu" in page and "Connexion refusée" in page


def test_a_failed_sign_in_keeps_a_bounded_identifier_whatever_sends_it(db):
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(
        sender=__name__,
        credentials={"username": "y" * 5000, "password": "********"},
        request=None,
    )
    (event,) = _events("accounts.sign_in.failed")
    assert event.data["identifier"] == "y" * 150
    assert "password" not in str(event.data) and "****" not in str(event.data)


def test_a_single_sign_on_is_audited_as_such(rf, participant):
    from allauth.account.signals import user_logged_in

    request = rf.get("/", REMOTE_ADDR="192.0.2.7")
    user_logged_in.send(
        sender=type(participant),
        request=request,
        response=None,
        user=participant,
        sociallogin=object(),
    )
    (event,) = _events("accounts.sign_in.succeeded", participant)
    assert event.data["method"] == "sso" and event.data["ip"] == "192.0.2.7"


def test_signing_out_is_audited(client, participant):
    client.force_login(participant)
    client.post(reverse("account_logout"))
    (event,) = _events("accounts.sign_out", participant)
    assert event.actor == participant


# ---------------------------------------------------------------- passwords


def test_a_forgotten_password_request_and_its_use_are_audited(
    client, participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": participant.email})
    (requested,) = _events("accounts.password.reset_requested", participant)
    assert requested.actor is None
    link = re.search(r"https?://\S+/password/reset/key/\S+", mail.outbox[-1].body)
    form = client.get(link.group(0), follow=True)
    new = "Une-phrase-bien-longue-2027"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    (completed,) = _events("accounts.password.reset_completed", participant)
    assert completed.actor == participant
    assert new not in str(completed.data)
    assert "a été changé le" in mail.outbox[-1].body


def test_a_password_change_is_audited_and_announced_to_its_owner(
    client, participant, django_capture_on_commit_callbacks
):
    client.force_login(participant)
    new = "Une-phrase-bien-longue-2027"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
    assert response.status_code == 302
    (event,) = _events("accounts.password.changed", participant)
    assert event.actor == participant and new not in str(event.data)
    (message,) = mail.outbox
    assert message.to == [participant.email]
    assert "a été changé le" in message.body
    assert "Si ce n'est pas vous" in message.body
    assert new not in message.body and "http" not in message.body


# ---------------------------------------------------------------- downloads


def test_staff_downloads_of_a_rib_are_audited(client, manager, participant):
    file = financial_file_save(
        user=participant,
        by=participant,
        holder="Paul Durand",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        rib_document=SimpleUploadedFile("rib.pdf", PDF, "application/pdf"),
    )
    client.force_login(manager)
    response = client.get(reverse("admin:accounts_financialfile_rib", args=[file.pk]))
    assert response.status_code == 200
    (event,) = _events("accounts.financial_file.rib_downloaded", file)
    assert event.actor == manager and event.data["participant"] == participant.pk

    # The participant's own download is theirs: not a staff event.
    client.force_login(participant)
    assert client.get(reverse("accounts:rib_download")).status_code == 200
    assert len(_events("accounts.financial_file.rib_downloaded")) == 1


def test_staff_downloads_of_a_requests_rib_are_audited(client, manager):
    from accounts.models import ExternalParticipantRequest

    request = ExternalParticipantRequest(
        category="private",
        last_name="Petit",
        first_name="Jeanne",
        birth_date="1968-03-14",
        email="jeanne.petit@exemple.invalid",
        holder="Jeanne Petit",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )
    request.rib_document.save("rib.pdf", SimpleUploadedFile("rib.pdf", PDF))
    client.force_login(manager)
    url = reverse("admin:accounts_request_rib", args=[request.pk])
    assert client.get(url).status_code == 200
    (event,) = _events("accounts.request.rib_downloaded", request)
    assert event.actor == manager


def test_staff_downloads_of_supporting_documents_are_audited(
    client, manager, participant
):
    from claims import services
    from claims.models import ClaimStatus
    from tests.claims.review_helpers import claim_in

    claim = claim_in(ClaimStatus.SUBMITTED, participant, manager)
    document = services.document_add(
        claim=claim,
        by=participant,
        kind="other",
        upload=SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
    )
    client.force_login(manager)
    url = reverse("admin:claims_claim_document", args=[claim.pk, document.pk])
    assert client.get(url).status_code == 200
    (event,) = _events("claims.claim.document_downloaded", claim)
    assert event.actor == manager
    assert event.data == {"document": document.pk, "kind": "other"}


# ---------------------------------------------------------------- the log


@pytest.mark.parametrize(
    ("category", "shown", "hidden"),
    [
        ("connexions", "accounts.sign_out", "accounts.role.granted"),
        ("droits", "accounts.role.granted", "accounts.sign_out"),
        ("mots-de-passe", "accounts.password.changed", "accounts.sign_out"),
    ],
)
def test_the_audit_log_filters_the_security_events(
    client, participant, category, shown, hidden
):
    client.force_login(participant)
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Une-phrase-bien-longue-2027",
            "password2": "Une-phrase-bien-longue-2027",
        },
    )
    client.post(reverse("account_logout"))
    participant.groups.add(Group.objects.get(name=MANAGER))
    client.force_login(factories.ManagerFactory())
    log = reverse("admin:imagin_auditevent_changelist")
    response = client.get(f"{log}?securite={category}")
    assert response.status_code == 200
    actions = {event.action for event in response.context["cl"].result_list}
    assert shown in actions and hidden not in actions


def test_every_security_filter_of_the_log_answers(client, manager):
    from imagin.admin import SECURITY_CATEGORIES

    client.force_login(manager)
    log = reverse("admin:imagin_auditevent_changelist")
    for category, (label, _condition) in SECURITY_CATEGORIES.items():
        response = client.get(f"{log}?securite={category}")
        assert response.status_code == 200, category
        assert str(label) in response.content.decode()
