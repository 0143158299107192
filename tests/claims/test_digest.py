"""Issue 20, the e-mails: each step (validated, put into payment, paid)
carries the amount and the claim's link; a participant who chose a weekly
digest gets none of them, but one e-mail a week listing them
(`send_weekly_digests`), while security e-mails always go at once; the
profile form saves the choice and refuses anything else without a 500."""

from __future__ import annotations

import io
import re

import pytest
from allauth.account import signals as account_signals
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from claims import notifications, services
from claims.models import ClaimStatus, PendingNotification
from claims.money import format_money
from tests import factories
from tests.claims.concurrency import ROW_LOCKS, race
from tests.claims.review_helpers import checked_financial_file, claim_in

S = ClaimStatus
WEEKLY = User.NotificationFrequency.WEEKLY
pytestmark = pytest.mark.usefixtures("without_travel")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def link(claim) -> str:
    return f"http://testserver/mes-etats-de-frais/{claim.pk}/"


def amount(claim) -> str:
    claim.refresh_from_db()
    return format_money(claim.total_amount, claim.currency)


def every_step(claims, manager, committed) -> None:
    """Validate the claims, put them into payment, export and mark paid."""
    for claim in claims:
        committed(lambda claim=claim: services.claim_approve(claim=claim, by=manager))
    batch = committed(
        lambda: (
            services.payment_batch_create(
                claim_ids=[c.pk for c in claims], by=manager
            ).batch
        )
    )
    services.payment_batch_export(batch=batch, by=manager)
    committed(lambda: services.payment_batch_mark_paid(batch=batch, by=manager))


@pytest.fixture
def site(settings):
    settings.SITE_URL = "http://testserver"


def test_each_step_is_told_at_once_with_the_amount_and_the_link(
    site, participant, manager, committed, mailoutbox
):
    checked_financial_file(participant, manager)
    claim = claim_in(S.SUBMITTED, participant, manager)
    mailoutbox.clear()
    every_step([claim], manager, committed)
    assert [message.subject for message in mailoutbox] == [
        "Votre état de frais est validé",
        "Vos états de frais sont mis en paiement",
        "Vos états de frais sont payés",
    ]
    for message in mailoutbox:
        for body in (message.body, message.alternatives[0][0]):
            assert amount(claim) in body
            assert link(claim) in body
    assert not PendingNotification.objects.exists()


def test_a_batch_e_mail_gives_each_claim_and_their_total(
    site, participant, manager, committed, mailoutbox
):
    checked_financial_file(participant, manager)
    claims = [claim_in(S.APPROVED, participant, manager) for _ in range(2)]
    mailoutbox.clear()
    committed(
        lambda: services.payment_batch_create(
            claim_ids=[c.pk for c in claims], by=manager
        )
    )
    (message,) = mailoutbox
    total = sum(claim.total_amount for claim in claims)
    for body in (message.body, message.alternatives[0][0]):
        for claim in claims:
            assert link(claim) in body and amount(claim) in body
        assert "Total :" in body and format_money(total, "EUR") in body


def test_a_weekly_participant_gets_one_digest_listing_every_step(
    site, participant, manager, committed, mailoutbox
):
    participant.notification_frequency = WEEKLY
    participant.save()
    checked_financial_file(participant, manager)
    claims = [claim_in(S.SUBMITTED, participant, manager) for _ in range(2)]
    # Someone else, who wants every e-mail, in the same batch.
    other = factories.UserFactory(first_name="Lina")
    checked_financial_file(other, manager)
    theirs = claim_in(S.SUBMITTED, other, manager)
    mailoutbox.clear()
    every_step([*claims, theirs], manager, committed)
    # The immediate participant is told of each step, the weekly one of none.
    assert {tuple(message.to) for message in mailoutbox} == {(other.email,)}
    assert len(mailoutbox) == 3
    kept = PendingNotification.objects.filter(user=participant)
    assert sorted(kept.values_list("kind", flat=True)) == sorted(
        ["approved"] * 2 + ["in_payment"] * 2 + ["paid"] * 2
    )
    assert not PendingNotification.objects.filter(user=other).exists()

    mailoutbox.clear()
    call_command("send_weekly_digests", stdout=io.StringIO())
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [participant.email]
    assert message.subject == "Vos états de frais : le récapitulatif de la semaine"
    for body in (message.body, message.alternatives[0][0]):
        for label in ("Validé par la division", "Mis en paiement", "Payé"):
            assert label in body
        for claim in claims:
            assert body.count(link(claim)) == 3
            assert amount(claim) in body
    assert not PendingNotification.objects.exists()

    # Run again (cron twice, or a second worker): nothing is sent twice.
    call_command("send_weekly_digests", stdout=io.StringIO())
    assert len(mailoutbox) == 1


def test_a_bulk_validation_keeps_the_weekly_ones(participant, manager, mailoutbox):
    participant.notification_frequency = WEEKLY
    participant.save()
    other = factories.UserFactory()
    mine = claim_in(S.APPROVED, participant, manager)
    theirs = claim_in(S.APPROVED, other, manager)
    PendingNotification.objects.all().delete()
    mailoutbox.clear()
    notifications.decisions_queued([mine, theirs], "approved")
    assert [message.to for message in mailoutbox] == [[other.email]]
    assert PendingNotification.objects.get().claim == mine


def test_a_send_back_is_never_held_for_the_digest(
    participant, manager, committed, mailoutbox
):
    participant.notification_frequency = WEEKLY
    participant.save()
    claim = claim_in(S.SUBMITTED, participant, manager)
    committed(
        lambda: services.claim_return(claim=claim, by=manager, reason="Il manque")
    )
    assert mailoutbox[-1].subject == "Votre état de frais est à corriger"
    assert not PendingNotification.objects.exists()


def test_a_cancellation_is_digested_with_its_reason(
    site, participant, manager, committed, mailoutbox
):
    participant.notification_frequency = WEEKLY
    participant.save()
    claim = claim_in(S.SUBMITTED, participant, manager)
    mailoutbox.clear()
    committed(lambda: services.claim_cancel(claim=claim, by=manager, reason="Doublon"))
    assert mailoutbox == []
    notifications.send_weekly_digests()
    body = mailoutbox[0].body
    assert "Annulé par la division" in body and "Motif : Doublon" in body
    assert link(claim) in body


def test_security_emails_are_always_sent_at_once(
    participant, manager, committed, mailoutbox
):
    participant.notification_frequency = WEEKLY
    participant.save()
    committed(lambda: checked_financial_file(participant, manager))
    request = RequestFactory().get("/")
    committed(
        lambda: account_signals.password_changed.send(
            sender=User, request=request, user=participant
        )
    )
    subjects = [message.subject for message in mailoutbox]
    assert "IMAG'IN : vos coordonnées bancaires ont été modifiées" in subjects
    assert "IMAG'IN : votre mot de passe a été changé" in subjects
    assert not PendingNotification.objects.exists()


def test_someone_without_an_address_has_their_news_dropped(participant, manager):
    participant.notification_frequency = WEEKLY
    participant.save()
    claim = claim_in(S.APPROVED, participant, manager)
    User.objects.filter(pk=participant.pk).update(email="")
    PendingNotification.objects.create(user=participant, claim=claim, kind="paid")
    report = notifications.send_weekly_digests()
    assert (report.sent, report.without_email) == (0, 1)
    assert not PendingNotification.objects.exists()


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_digest_once(manager, mailoutbox):
    """Cron started twice, or two workers: SKIP LOCKED shares the people out,
    and everyone gets exactly one digest."""
    people = [factories.UserFactory(notification_frequency=WEEKLY) for _ in range(6)]
    for person in people:
        claim = claim_in(S.SUBMITTED, person, manager)
        for kind in ("approved", "in_payment", "paid"):
            PendingNotification.objects.create(user=person, claim=claim, kind=kind)
    mailoutbox.clear()
    outcomes = race(
        notifications.send_weekly_digests, notifications.send_weekly_digests
    )
    assert sum(report.sent for report in outcomes) == len(people), outcomes
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    assert not PendingNotification.objects.exists()


# ------------------------------------------------------------------ profile


def profile_data(user, **changes) -> dict:
    return {
        "email": user.email,
        "phone": "02 35 00 00 00",
        "address": "12 rue Jeanne-d'Arc",
        "establishment": user.establishment_id or "",
        **changes,
    }


def test_the_profile_shows_and_saves_the_choice(client, participant):
    client.force_login(participant)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert re.search(
        r'<legend[^>]*id="id_notification_frequency-legend">\s*Mes courriels', page
    )
    assert "Un récapitulatif par semaine" in page
    response = client.post(
        reverse("accounts:profile"),
        profile_data(participant, notification_frequency="weekly"),
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.notification_frequency == WEEKLY
    # Posted without it (an older page): the choice stays.
    client.post(reverse("accounts:profile"), profile_data(participant))
    participant.refresh_from_db()
    assert participant.notification_frequency == WEEKLY


@pytest.mark.parametrize(
    "value", ["daily", "weekly\x00", "' OR 1=1 --", "é" * 5000, "<script>"]
)
def test_the_profile_refuses_a_hostile_choice(client, participant, value):
    client.force_login(participant)
    response = client.post(
        reverse("accounts:profile"),
        profile_data(participant, notification_frequency=value),
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    participant.refresh_from_db()
    assert participant.notification_frequency == "immediate"
