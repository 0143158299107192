"""Changing one's e-mail address: asked on the profile, confirmed by a link
opened while signed in. Which addresses count as verified:
`test_email_trust.py`."""

from __future__ import annotations

import html
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from accounts.emails import email_address_set_by_staff, verified_owners
from imagin.audit import AuditEvent
from tests import factories
from tests.accounts.email_helpers import (
    NEW,
    ask_for,
    page_text,
    path_of,
    post_profile,
    profile_data,
    trusted,
)
from tests.html import assert_strict_csp_page


@pytest.fixture(autouse=True)
def fresh_rate_limits(db):
    cache.clear()


def test_a_new_address_waits_for_confirmation_and_mail_goes_on_to_the_old_one(
    client, participant, django_capture_on_commit_callbacks, mailoutbox
):
    trusted(participant)
    old = participant.email
    ask_for(client, participant, NEW, django_capture_on_commit_callbacks)

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
    page = page_text(client.get(reverse("accounts:profile")))
    assert "Changement d'adresse en attente" in page
    assert NEW in page


def test_the_owner_signed_in_confirms_and_the_address_becomes_theirs_verified(
    client, participant, django_capture_on_commit_callbacks, mailoutbox
):
    trusted(participant)
    old = participant.email
    link = ask_for(client, participant, NEW, django_capture_on_commit_callbacks)

    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "Confirmer mon adresse" in page_text(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path_of(link))
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
    profile = page_text(client.get(reverse("accounts:profile")))
    assert "est confirmée" in profile
    assert "en attente" not in profile


def test_a_link_opened_signed_out_asks_to_sign_in_and_verifies_nothing(
    client, participant, django_capture_on_commit_callbacks
):
    link = ask_for(client, participant, NEW, django_capture_on_commit_callbacks)
    client.logout()

    page = page_text(client.get(path_of(link)))
    assert "connectez-vous d'abord" in page
    assert f"?next={path_of(link)}" in page.replace("%3A", ":")
    response = client.post(path_of(link))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not EmailAddress.objects.filter(email=NEW, verified=True).exists()


def test_another_accounts_link_cannot_verify_for_whoever_opens_it(
    client, participant, outsider, django_capture_on_commit_callbacks
):
    link = ask_for(client, participant, NEW, django_capture_on_commit_callbacks)
    client.force_login(outsider)

    client.post(path_of(link))

    assert not EmailAddress.objects.filter(email=NEW, verified=True).exists()
    outsider.refresh_from_db()
    participant.refresh_from_db()
    assert NEW not in (outsider.email, participant.email)
    assert not EmailAddress.objects.filter(user=outsider, email=NEW).exists()


def test_a_made_up_or_superseded_link_is_no_longer_valid(
    client, participant, django_capture_on_commit_callbacks
):
    first = ask_for(client, participant, NEW, django_capture_on_commit_callbacks)
    ask_for(
        client, participant, "autre@exemple.invalid", django_capture_on_commit_callbacks
    )

    page = client.get(path_of(first))
    assert "n'est plus valable" in page_text(page)
    assert client.post(path_of(first)).status_code == 404
    assert client.post("/comptes/confirm-email/inventee/").status_code == 404
    assert not EmailAddress.objects.filter(email=NEW).exists()


def test_an_address_of_another_account_is_refused_next_to_the_field(
    client, participant, outsider
):
    client.force_login(participant)
    response = client.post(reverse("accounts:profile"), profile_data(outsider.email))
    text = page_text(response)
    assert response.status_code == 200
    assert "déjà celle d" in text
    assert 'value="06 12 34 56 78"' in text
    assert not EmailAddress.objects.filter(user=participant).exists()


def test_an_address_someone_else_confirmed_meanwhile_cannot_be_confirmed(
    client, participant, outsider, django_capture_on_commit_callbacks
):
    link = ask_for(client, participant, NEW, django_capture_on_commit_callbacks)
    email_address_set_by_staff(user=outsider, email=NEW, by=None)

    client.force_login(participant)
    client.post(path_of(link))

    participant.refresh_from_db()
    assert participant.email != NEW
    assert verified_owners(NEW) == [outsider]


def test_saving_the_current_address_again_cancels_a_pending_change(
    client, participant, django_capture_on_commit_callbacks
):
    ask_for(client, participant, NEW, django_capture_on_commit_callbacks)

    post_profile(client, profile_data(participant.email))

    assert not EmailAddress.objects.filter(email=NEW).exists()


def test_the_link_can_be_sent_again_but_not_in_a_burst(
    client, participant, django_capture_on_commit_callbacks, mailoutbox
):
    ask_for(client, participant, NEW, django_capture_on_commit_callbacks)
    sent = len(mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:email_confirmation_resend"), follow=True
        )

    assert len(mailoutbox) == sent  # the first link is minutes old at most
    assert "vient déjà d'être envoyé" in page_text(response)
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


def test_a_new_address_asks_for_the_password_again_then_goes_on_as_typed(
    client, participant, django_capture_on_commit_callbacks
):
    client.force_login(participant)
    response = client.post(reverse("accounts:profile"), profile_data(NEW))

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
        reverse("accounts:profile"), profile_data(participant.email, phone="01")
    )
    assert same["Location"] == reverse("accounts:profile")

    participant.set_unusable_password()  # signs in through the académie only
    participant.save()
    client.force_login(participant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:profile"), profile_data(NEW))
    assert response["Location"] == reverse("accounts:profile")
    assert EmailAddress.objects.get(email=NEW).user == participant


def test_an_address_already_verified_as_ones_own_is_taken_back_without_a_link(
    client, participant, mailoutbox
):
    trusted(participant)
    old = participant.email
    EmailAddress.objects.create(user=participant, email=NEW, verified=True)

    client.force_login(participant)
    post_profile(client, profile_data(NEW))

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
    ask_for(client, participant, NEW, django_capture_on_commit_callbacks)
    sent = len(mailoutbox)
    page = page_text(client.get(reverse("accounts:profile")))
    shown = re.search(r'name="email"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="email"', page
    )
    assert shown.group(1) == NEW

    with django_capture_on_commit_callbacks(execute=True):
        post_profile(client, profile_data(shown.group(1), phone="02 35 00 00 00"))

    assert EmailAddress.objects.get(user=participant, primary=False).email == NEW
    assert len(mailoutbox) == sent
    participant.refresh_from_db()
    assert participant.phone == "02 35 00 00 00"


def test_the_pages_of_the_journey_keep_the_strict_content_security_policy(
    client, participant, django_capture_on_commit_callbacks
):
    link = ask_for(client, participant, NEW, django_capture_on_commit_callbacks)

    assert_strict_csp_page(client.get(reverse("accounts:profile")))
    assert_strict_csp_page(client.get(path_of(link)))
    client.logout()
    assert_strict_csp_page(client.get(path_of(link)))
    assert_strict_csp_page(client.get("/comptes/confirm-email/inventee/"))


def test_confirming_access_asks_for_the_password_on_a_page_of_the_site(
    client, participant
):
    client.force_login(participant)
    asked = client.post(reverse("accounts:profile"), profile_data(NEW))
    page = client.get(asked["Location"])

    html_text = assert_strict_csp_page(page)
    assert "Confirmer l'accès" in html.unescape(html_text)
    assert 'class="fr-btn"' in html_text  # the site's design, not allauth's
    # No code e-mailed to the very address being replaced.
    assert reverse("account_request_reauthentication_code") not in html_text
    assert (
        client.get(reverse("account_request_reauthentication_code")).status_code != 200
    )
