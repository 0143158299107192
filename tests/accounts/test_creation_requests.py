"""Requests to create an external participant: public form, review, decision."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import ExternalParticipantRequest, RequestStatus, User
from accounts.services import external_request_approve, external_request_reject
from imagin.audit import AuditEvent
from tests import factories

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()


def _form(**overrides):
    return factories.request_form_data(**overrides)


@pytest.fixture
def pending(client, db):
    client.post(reverse("accounts:request_create"), _form())
    mail.outbox.clear()
    return ExternalParticipantRequest.objects.get()


def test_anyone_can_send_a_request_and_is_acknowledged(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:request_create"), _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:request_done")
    request = ExternalParticipantRequest.objects.get()
    assert request.status == RequestStatus.PENDING
    assert request.iban == "FR7630006000011234567890189"
    assert mail.outbox[0].to == ["jeanne.petit@exemple.invalid"]
    assert "bien reçu" in mail.outbox[0].body
    page = client.get(response["Location"]).content.decode()
    assert "jeanne.petit@exemple.invalid" in page


def test_a_bad_request_is_explained_and_keeps_what_was_typed(client, db):
    response = client.post(
        reverse("accounts:request_create"), _form(iban="FR00 1234", consent="")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Cabinet Petit"' in html
    assert "fr-input-group--error" in html
    assert not ExternalParticipantRequest.objects.exists()


def test_requests_are_rate_limited(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"external_participant_request": "2/h/ip"}
    for _ in range(2):
        client.post(reverse("accounts:request_create"), _form())
    response = client.post(reverse("accounts:request_create"), _form())
    assert response.status_code == 429
    assert ExternalParticipantRequest.objects.count() == 2


def test_a_manager_approves_and_the_participant_sets_a_password(
    client, pending, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = external_request_approve(request=pending, by=manager)
    pending.refresh_from_db()
    assert pending.status == RequestStatus.APPROVED
    assert user.is_external and user.participant_number.startswith("E")
    assert user.financial_file.iban == "FR7630006000011234567890189"
    assert user.financial_file.rib_document.read() == PDF
    assert not user.has_usable_password()
    message = mail.outbox[0]
    assert user.participant_number in message.body
    path = re.search(r"/comptes/password/reset/key/\S+", message.body).group(0)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    client.post(
        form_url,
        {
            "password1": "Une-phrase-bien-longue-2027",
            "password2": "Une-phrase-bien-longue-2027",
        },
    )
    assert User.objects.get(pk=user.pk).check_password("Une-phrase-bien-longue-2027")
    assert AuditEvent.objects.filter(action="accounts.request.approved").exists()


def test_a_request_is_decided_once(pending, manager):
    external_request_approve(request=pending, by=manager)
    with pytest.raises(ValidationError):
        external_request_approve(request=pending, by=manager)
    assert User.objects.filter(kind=User.Kind.EXTERNAL).count() == 1


def test_a_rejection_needs_a_reason_which_is_e_mailed(
    pending, manager, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError):
        external_request_reject(request=pending, by=manager, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        external_request_reject(
            request=pending,
            by=manager,
            reason="Vous êtes déjà enregistrée sous un autre nom.",
        )
    pending.refresh_from_db()
    assert pending.status == RequestStatus.REJECTED
    assert "déjà enregistrée" in mail.outbox[0].body


def test_the_manager_sees_possible_duplicates(client, pending, manager):
    factories.UserFactory(first_name="Jeanne", last_name="PETIT")
    client.force_login(manager)
    url = reverse("admin:accounts_externalparticipantrequest_change", args=[pending.pk])
    html = client.get(url).content.decode()
    assert "Attention" in html and "Accepter et créer" in html


def test_the_manager_reads_the_rib_before_accepting(client, pending, manager):
    rib = reverse("admin:accounts_request_rib", args=[pending.pk])
    client.force_login(manager)
    url = reverse("admin:accounts_externalparticipantrequest_change", args=[pending.pk])
    assert rib in client.get(url).content.decode()
    response = client.get(rib)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["participant", "external_participant", "outsider"])
def test_only_the_division_reads_a_requests_rib(client, request, pending, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:accounts_request_rib", args=[pending.pk]))
    assert response.status_code in (302, 403)
    assert not getattr(response, "streaming", False)


def test_the_back_office_decides_through_post_only(client, pending, manager):
    client.force_login(manager)
    approve = reverse("admin:accounts_request_approve", args=[pending.pk])
    client.get(approve)
    assert ExternalParticipantRequest.objects.get().status == RequestStatus.PENDING
    reject = reverse("admin:accounts_request_reject", args=[pending.pk])
    response = client.post(reject, {"reason": ""})
    assert response.status_code == 200
    client.post(reject, {"reason": "Hors du périmètre"})
    assert ExternalParticipantRequest.objects.get().status == RequestStatus.REJECTED


@pytest.mark.parametrize("persona", ["participant", "external_participant", "outsider"])
def test_participants_cannot_decide_requests(client, request, pending, persona):
    client.force_login(request.getfixturevalue(persona))
    client.post(reverse("admin:accounts_request_approve", args=[pending.pk]))
    client.post(
        reverse("admin:accounts_request_reject", args=[pending.pk]), {"reason": "non"}
    )
    assert ExternalParticipantRequest.objects.get().status == RequestStatus.PENDING


def test_a_manager_creates_an_external_participant_with_an_initial_password(
    client, manager
):
    client.force_login(manager)
    response = client.post(
        reverse("admin:accounts_user_create_external"),
        {"last_name": "Roux", "first_name": "Léa", "email": "", "phone": ""},
    )
    html = response.content.decode()
    user = User.objects.get(last_name="Roux")
    password = re.search(r"<code>([\w-]+)</code>", html).group(1)
    assert user.participant_number in html
    assert user.check_password(password) and user.must_change_password


def test_correcting_a_form_never_counts_against_the_limit(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"external_participant_request": "1/h/ip"}
    for _ in range(3):
        client.post(reverse("accounts:request_create"), _form(iban="FR00"))
    response = client.post(reverse("accounts:request_create"), _form())
    assert response.status_code == 302
    assert ExternalParticipantRequest.objects.count() == 1


def test_a_request_made_in_english_is_answered_in_english(
    client, db, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:request_create"),
            _form(),
            headers={"accept-language": "en"},
        )
    request = ExternalParticipantRequest.objects.get()
    assert request.language == "en"
    received = mail.outbox[-1]
    assert "bien reçu" not in received.body
    with django_capture_on_commit_callbacks(execute=True):
        user = external_request_approve(request=request, by=manager)
    assert user.language == "en"
    approved = mail.outbox[-1]
    assert user.participant_number in approved.body
    assert approved.subject != received.subject
    assert "Bonjour" not in approved.body
