"""Reminders before the deadline: who gets one, once per stage, one e-mail
per participant, and nothing sent twice however often the command runs."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.models import ClaimReminder, ClaimStatus
from claims.reminders import send_claim_reminders
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.review_helpers import claim_in

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")


@pytest.fixture
def session(db):
    """A session whose deadline is in ten days: the 14-day stage is reached."""
    return factories.ExamSessionFactory(
        claim_deadline=timezone.localdate() + timedelta(days=10)
    )


def in_session(session, status, participant, manager, **mission):
    return claim_in(
        status,
        participant,
        manager,
        exam=factories.ExamFactory(session=session),
        **mission,
    )


def run(today=None, capture=None):
    if capture is None:
        return send_claim_reminders(today=today)
    with capture(execute=True):
        return send_claim_reminders(today=today)


def test_claims_still_to_complete_are_reminded_once_per_stage(
    session, participant, manager, mailoutbox, django_capture_on_commit_callbacks
):
    draft = in_session(session, S.DRAFT, participant, manager)
    returned = in_session(session, S.RETURNED, participant, manager)
    in_session(session, S.SUBMITTED, participant, manager)  # nothing left to do
    in_session(session, S.NOT_PERFORMED, participant, manager)
    report = run(capture=django_capture_on_commit_callbacks)
    assert (report.claims, report.participants) == (2, 1)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [participant.email]
    assert message.subject.startswith("États de frais à compléter avant le")
    for claim in (draft, returned):
        assert f"/mes-etats-de-frais/{claim.pk}/" in message.body
    assert "renvoyé pour correction" in message.body
    assert set(ClaimReminder.objects.values_list("claim_id", "days_before")) == {
        (draft.pk, 14),
        (returned.pk, 14),
    }
    assert AuditEvent.objects.filter(action="claims.claim.reminded").count() == 2

    # Again the same day, and the next days before the 3-day stage: nothing.
    for days in (0, 1, 5):
        today = timezone.localdate() + timedelta(days=days)
        assert run(today, django_capture_on_commit_callbacks).claims == 0
    assert len(mailoutbox) == 1

    # Three days before the deadline: the last reminder, once.
    last_stage = session.claim_deadline - timedelta(days=3)
    assert run(last_stage, django_capture_on_commit_callbacks).claims == 2
    assert run(last_stage, django_capture_on_commit_callbacks).claims == 0
    assert len(mailoutbox) == 2


def test_a_late_run_sends_only_the_latest_stage(session, participant, manager):
    in_session(session, S.DRAFT, participant, manager)
    two_days_before = session.claim_deadline - timedelta(days=2)
    assert run(two_days_before).claims == 1
    assert list(ClaimReminder.objects.values_list("days_before", flat=True)) == [3]


def test_no_reminder_far_from_the_deadline_after_it_or_before_the_mission(
    participant, manager
):
    far = factories.ExamSessionFactory(
        claim_deadline=timezone.localdate() + timedelta(days=60)
    )
    in_session(far, S.DRAFT, participant, manager)
    past = factories.ExamSessionFactory(
        claim_deadline=timezone.localdate() - timedelta(days=1)
    )
    in_session(past, S.DRAFT, participant, manager)
    soon = factories.ExamSessionFactory(
        claim_deadline=timezone.localdate() + timedelta(days=2)
    )
    in_session(
        soon,
        S.DRAFT,
        participant,
        manager,
        starts_at=timezone.now() + timedelta(days=1),
    )
    assert run().claims == 0
    assert not ClaimReminder.objects.exists()


def test_people_without_an_address_are_counted_not_recorded(session, manager):
    nobody = factories.UserFactory(email="")
    in_session(session, S.DRAFT, nobody, manager)
    report = run()
    assert (report.claims, report.without_email) == (0, 1)
    assert not ClaimReminder.objects.exists()


def test_the_command_says_what_it_did(session, participant, manager):
    in_session(session, S.DRAFT, participant, manager)
    out = StringIO()
    call_command("send_claim_reminders", stdout=out)
    assert "1 état(s) de frais rappelé(s) à 1 intervenant(s)." in out.getvalue()
    out = StringIO()
    call_command("send_claim_reminders", stdout=out)
    assert "0 état(s) de frais rappelé(s)" in out.getvalue()


def test_the_participant_sees_the_reminder_in_the_history(
    client, session, participant, manager
):
    claim = in_session(session, S.RETURNED, participant, manager)
    run()
    client.force_login(participant)
    response = client.get(f"/mes-etats-de-frais/{claim.pk}/", follow=True)
    # The history reads in sentences (imagin/audit_sentences.py).
    assert "la date limite de son état de frais" in response.content.decode()
