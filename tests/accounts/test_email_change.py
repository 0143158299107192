"""Changing one's e-mail address: asked on the profile, confirmed by a link
opened while signed in; which addresses count as verified."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.emails import email_address_set_by_staff, verified_owners
from accounts.services import (
    external_participant_create,
    external_request_approve,
    external_request_submit,
)
from imagin.audit import AuditEvent
from tests import factories
from tests.html import assert_strict_csp_page

NEW = "paul.nouveau@exemple.invalid"


@pytest.fixture(autouse=True)
def fresh_rate_limits(db):
    cache.clear()


def _profile(email: str, **extra) -> dict:
    return {
        "email": email,
        "phone": "06 12 34 56 78",
        "address": "1 rue Neuve",
        **extra,
    }


def post_profile(client, data: dict, password: str = factories.PASSWORD):
    """Post the profile form; when allauth asks for the password again (a new
    address), type it, which posts the form again as it was."""
    response = client.post(reverse("accounts:profile"), data)
    if response.status_code == 302 and response["Location"].startswith(
        reverse("account_reauthenticate")
    ):
        response = client.post(response["Location"], {"password": password})
    return response


def _ask(client, user, email, capture) -> str:
    """Ask for `email` on the profile; return the confirmation link mailed."""
    client.force_login(user)
    with capture(execute=True):
        response = post_profile(client, _profile(email))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    return _link_from_outbox(email)


def _link_from_outbox(email: str) -> str:
    from django.core import mail

    message = [m for m in mail.outbox if m.to == [email]][-1]
    return re.search(r"https?://\S+/comptes/confirm-email/\S+/", message.body).group(0)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


PDF = b"%PDF-1.4\n%%EOF\n"


def _approved_request(manager, capture, email="req@exemple.invalid"):
    """An external participant made from a visitor's creation request."""
    fields = {
        "category": "private",
        "last_name": "Petit",
        "first_name": "Jeanne",
        "birth_date": date(1968, 3, 14),
        "email": email,
        "phone": "06 00 00 00 00",
        "address": "8 rue des Carmes",
        "postal_code": "76000",
        "commune_name": "Rouen",
        "employer": "Cabinet Petit",
        "disciplines_taught": "Comptabilité",
        "holder": "Jeanne Petit",
        "iban": "FR7630006000011234567890189",
        "bic": "AGRIFRPP",
    }
    with capture(execute=True):
        request = external_request_submit(
            fields=fields,
            rib_document=SimpleUploadedFile("rib.pdf", PDF, "application/pdf"),
        )
        return external_request_approve(request=request, by=manager)


def _trusted(user, email=None):
    email_address_set_by_staff(user=user, email=email or user.email, by=None)
    user.refresh_from_db()
    return user


def test_a_new_address_waits_for_confirmation_and_mail_goes_on_to_the_old_one(
    client, participant, django_capture_on_commit_callbacks, mailoutbox
):
    _trusted(participant)
    old = participant.email
    _ask(client, participant, NEW, django_capture_on_commit_callbacks)

    participant.refresh_from_db()
    assert participant.email == old
    assert EmailAddress.objects.get(user=participant, primary=True).email == old
    pending = EmailAddress.objects.get(user=participant, primary=False)
    assert (pending.email, pending.verified) == (NEW, False)
    assert verified_owners(NEW) == []
    assert AuditEvent.objects.filter(
        action="accounts.email.change_requested", target_id=participant.pk
    ).exists()
    assert "Confirmer mon adresse électronique" in mailoutbox[-1].alternatives[0][0]
    page = _text(client.get(reverse("accounts:profile")))
    assert "Changement d'adresse en attente" in page
    assert NEW in page


def test_the_owner_signed_in_confirms_and_the_address_becomes_theirs_verified(
    client, participant, django_capture_on_commit_callbacks, mailoutbox
):
    _trusted(participant)
    old = participant.email
    link = _ask(client, participant, NEW, django_capture_on_commit_callbacks)

    page = client.get(_path(link))
    assert page.status_code == 200
    assert "Confirmer mon adresse" in _text(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_path(link))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")

    participant.refresh_from_db()
    assert participant.email == NEW
    address = EmailAddress.objects.get(user=participant)
    assert (address.email, address.verified, address.primary) == (NEW, True, True)
    assert verified_owners(NEW) == [participant]
    assert AuditEvent.objects.filter(
        action="accounts.email.confirmed", target_id=participant.pk
    ).exists()
    # The old address is told it no longer receives this account's mail.
    assert [m.to for m in mailoutbox][-1] == [old]
    assert NEW in mailoutbox[-1].body
    profile = _text(client.get(reverse("accounts:profile")))
    assert "est confirmée" in profile
    assert "en attente" not in profile


def test_a_link_opened_signed_out_asks_to_sign_in_and_verifies_nothing(
    client, participant, django_capture_on_commit_callbacks
):
    link = _ask(client, participant, NEW, django_capture_on_commit_callbacks)
    client.logout()

    page = _text(client.get(_path(link)))
    assert "connectez-vous d'abord" in page
    assert f"?next={_path(link)}" in page.replace("%3A", ":")
    response = client.post(_path(link))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not EmailAddress.objects.filter(email=NEW, verified=True).exists()


def test_another_accounts_link_cannot_verify_for_whoever_opens_it(
    client, participant, outsider, django_capture_on_commit_callbacks
):
    link = _ask(client, participant, NEW, django_capture_on_commit_callbacks)
    client.force_login(outsider)

    client.post(_path(link))

    assert not EmailAddress.objects.filter(email=NEW, verified=True).exists()
    outsider.refresh_from_db()
    participant.refresh_from_db()
    assert NEW not in (outsider.email, participant.email)
    assert not EmailAddress.objects.filter(user=outsider, email=NEW).exists()


def test_a_made_up_or_superseded_link_is_no_longer_valid(
    client, participant, django_capture_on_commit_callbacks
):
    first = _ask(client, participant, NEW, django_capture_on_commit_callbacks)
    _ask(
        client, participant, "autre@exemple.invalid", django_capture_on_commit_callbacks
    )

    page = client.get(_path(first))
    assert "n'est plus valable" in _text(page)
    assert client.post(_path(first)).status_code == 404
    assert client.post("/comptes/confirm-email/inventee/").status_code == 404
    assert not EmailAddress.objects.filter(email=NEW).exists()


def test_an_address_of_another_account_is_refused_next_to_the_field(
    client, participant, outsider
):
    client.force_login(participant)
    response = client.post(reverse("accounts:profile"), _profile(outsider.email))
    text = _text(response)
    assert response.status_code == 200
    assert "déjà celle d" in text
    assert 'value="06 12 34 56 78"' in text
    assert not EmailAddress.objects.filter(user=participant).exists()


def test_an_address_someone_else_confirmed_meanwhile_cannot_be_confirmed(
    client, participant, outsider, django_capture_on_commit_callbacks
):
    link = _ask(client, participant, NEW, django_capture_on_commit_callbacks)
    email_address_set_by_staff(user=outsider, email=NEW, by=None)

    client.force_login(participant)
    client.post(_path(link))

    participant.refresh_from_db()
    assert participant.email != NEW
    assert verified_owners(NEW) == [outsider]


def test_saving_the_current_address_again_cancels_a_pending_change(
    client, participant, django_capture_on_commit_callbacks
):
    _ask(client, participant, NEW, django_capture_on_commit_callbacks)

    post_profile(client, _profile(participant.email))

    assert not EmailAddress.objects.filter(email=NEW).exists()


def test_the_link_can_be_sent_again_but_not_in_a_burst(
    client, participant, django_capture_on_commit_callbacks, mailoutbox
):
    _ask(client, participant, NEW, django_capture_on_commit_callbacks)
    sent = len(mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:email_confirmation_resend"), follow=True
        )

    assert len(mailoutbox) == sent  # the first link is minutes old at most
    assert "vient déjà d'être envoyé" in _text(response)
    cache.clear()  # as if the few minutes had passed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:email_confirmation_resend"))
    assert len(mailoutbox) == sent + 1
    assert mailoutbox[-1].to == [NEW]
    assert client.get(reverse("accounts:email_confirmation_resend")).status_code == 405


def test_allauths_address_page_leads_to_the_profile_and_changes_nothing(
    client, participant, outsider
):
    client.force_login(participant)
    for response in (
        client.get("/comptes/email/"),
        client.post(
            "/comptes/email/",
            {"action_add": "", "email": outsider.email},
        ),
        client.post(
            "/comptes/email/",
            {"action_primary": "", "email": outsider.email},
        ),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:profile")
    assert not EmailAddress.objects.filter(user=participant).exists()
    participant.refresh_from_db()
    assert participant.email != outsider.email


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
    user = _approved_request(manager, django_capture_on_commit_callbacks)

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
    user = _approved_request(manager, django_capture_on_commit_callbacks)
    client.force_login(user)
    assert "pas encore confirmée" in _text(client.get(reverse("accounts:profile")))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:email_confirmation_resend"))
    client.post(_path(_link_from_outbox("req@exemple.invalid")))

    assert verified_owners("req@exemple.invalid") == [user]


def test_a_division_address_already_verified_elsewhere_is_not_verified_twice(
    participant, outsider
):
    _trusted(outsider, "commun@exemple.invalid")

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
    requested = _approved_request(manager, django_capture_on_commit_callbacks)
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

    assert response.status_code == 302, _text(response)
    [created] = verified_owners("nina.agente@ac-test.fr")
    assert created.username == "nouvelle.agente"
    assert AuditEvent.objects.filter(
        action="accounts.email.set_by_staff", target_id=created.pk, actor=manager
    ).exists()


def test_a_new_address_asks_for_the_password_again_then_goes_on_as_typed(
    client, participant, django_capture_on_commit_callbacks
):
    client.force_login(participant)
    response = client.post(reverse("accounts:profile"), _profile(NEW))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email=NEW).exists()
    wrong = client.post(response["Location"], {"password": "pas le bon"})
    assert wrong.status_code == 200
    assert not EmailAddress.objects.filter(email=NEW).exists()

    with django_capture_on_commit_callbacks(execute=True):
        resumed = client.post(response["Location"], {"password": factories.PASSWORD})

    assert resumed.status_code == 302
    assert EmailAddress.objects.get(email=NEW).user == participant
    participant.refresh_from_db()
    assert participant.phone == "06 12 34 56 78"


def test_other_details_and_single_sign_on_only_accounts_need_no_password_again(
    client, participant, django_capture_on_commit_callbacks
):
    client.force_login(participant)
    same = client.post(
        reverse("accounts:profile"), _profile(participant.email, phone="01")
    )
    assert same["Location"] == reverse("accounts:profile")

    participant.set_unusable_password()  # signs in through the académie only
    participant.save()
    client.force_login(participant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:profile"), _profile(NEW))
    assert response["Location"] == reverse("accounts:profile")
    assert EmailAddress.objects.get(email=NEW).user == participant


def test_an_address_already_verified_as_ones_own_is_taken_back_without_a_link(
    client, participant, mailoutbox
):
    _trusted(participant)
    old = participant.email
    EmailAddress.objects.create(user=participant, email=NEW, verified=True)

    client.force_login(participant)
    post_profile(client, _profile(NEW))

    participant.refresh_from_db()
    assert participant.email == NEW
    assert list(
        EmailAddress.objects.filter(user=participant).values_list(
            "email", "primary", "verified"
        )
    ) == [(NEW, True, True)]
    assert not [m for m in mailoutbox if m.to == [NEW]]
    assert old not in {a.email for a in EmailAddress.objects.all()}


def test_saving_other_details_as_shown_keeps_a_pending_change_without_new_mail(
    client, participant, django_capture_on_commit_callbacks, mailoutbox
):
    _ask(client, participant, NEW, django_capture_on_commit_callbacks)
    sent = len(mailoutbox)
    page = _text(client.get(reverse("accounts:profile")))
    shown = re.search(r'name="email"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="email"', page
    )
    assert shown.group(1) == NEW

    with django_capture_on_commit_callbacks(execute=True):
        post_profile(client, _profile(shown.group(1), phone="02 35 00 00 00"))

    assert EmailAddress.objects.get(user=participant, primary=False).email == NEW
    assert len(mailoutbox) == sent
    participant.refresh_from_db()
    assert participant.phone == "02 35 00 00 00"


def test_the_pages_of_the_journey_keep_the_strict_content_security_policy(
    client, participant, django_capture_on_commit_callbacks
):
    link = _ask(client, participant, NEW, django_capture_on_commit_callbacks)

    assert_strict_csp_page(client.get(reverse("accounts:profile")))
    assert_strict_csp_page(client.get(_path(link)))
    client.logout()
    assert_strict_csp_page(client.get(_path(link)))
    assert_strict_csp_page(client.get("/comptes/confirm-email/inventee/"))


def test_confirming_access_asks_for_the_password_on_a_page_of_the_site(
    client, participant
):
    client.force_login(participant)
    asked = client.post(reverse("accounts:profile"), _profile(NEW))
    page = client.get(asked["Location"])

    html_text = assert_strict_csp_page(page)
    assert "Confirmer l'accès" in html.unescape(html_text)
    assert 'class="fr-btn"' in html_text  # the site's design, not allauth's
    # No code e-mailed to the very address being replaced.
    assert reverse("account_request_reauthentication_code") not in html_text
    assert (
        client.get(reverse("account_request_reauthentication_code")).status_code != 200
    )
