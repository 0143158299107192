"""Cancelling an official convocation run e-mails each participant it had
convoked that their convocation is withdrawn, in their language, once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import User
from claims import runs
from claims.models import ConvocationRun
from imagin.audit import AuditEvent
from missions.models import Assignment
from tests import factories


@pytest.fixture
def session(db):
    return factories.ExamSessionFactory(name="Session 2027")


@pytest.fixture
def assigned(session, participant, external_participant):
    """Two missions for the agent, one for the external participant."""
    exam = factories.ExamFactory(session=session, name="Baccalauréat général")
    missions = factories.MissionFactory.create_batch(2, exam=exam, epreuve__exam=exam)
    bts = factories.MissionFactory(exam=exam, epreuve__exam=exam)
    return [
        Assignment.objects.create(mission=missions[0], participant=participant),
        Assignment.objects.create(mission=missions[1], participant=participant),
        Assignment.objects.create(mission=bts, participant=external_participant),
    ]


def start(kind, session, manager):
    run = ConvocationRun.objects.create(kind=kind, session=session, created_by=manager)
    return runs.run_execute(run.pk)


def cancel(run, manager, capture, mailoutbox):
    """The run cancelled, committed; only the e-mails the cancellation sent."""
    mailoutbox.clear()
    with capture(execute=True):
        runs.run_cancel(run=run, by=manager)
    return {message.to[0]: message for message in mailoutbox}


def test_each_participant_gets_one_email_naming_their_missions(
    session,
    assigned,
    manager,
    participant,
    external_participant,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    with django_capture_on_commit_callbacks(execute=True):
        run = start("official", session, manager)
    mails = cancel(run, manager, django_capture_on_commit_callbacks, mailoutbox)
    assert len(mailoutbox) == 2
    assert set(mails) == {participant.email, external_participant.email}
    agent = mails[participant.email]
    assert agent.subject == "Convocation retirée — Session 2027"
    for assignment in assigned[:2]:
        assert assignment.mission.epreuve.name in agent.body
        assert assignment.mission.centre.name in agent.body
    assert assigned[2].mission.epreuve.name not in agent.body
    assert "Les états de frais qu'elle avait ouverts sont supprimés" in agent.body
    html = agent.alternatives[0][0]
    assert assigned[0].mission.centre.name in html and "<li>" in html
    external = mails[external_participant.email]
    assert assigned[2].mission.epreuve.name in external.body
    assert "L'état de frais qu'elle avait ouvert est supprimé" in external.body
    event = AuditEvent.objects.get(action="claims.convocation_run.cancelled")
    assert event.data["withdrawal_emails"] == 2


def test_the_email_is_in_the_participant_language(
    session,
    assigned,
    manager,
    participant,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    User.objects.filter(pk=participant.pk).update(language="en")
    run = start("official", session, manager)
    mails = cancel(run, manager, django_capture_on_commit_callbacks, mailoutbox)
    english, french = mails[participant.email], mails[assigned[2].participant.email]
    # The words translated so far (the new sentences wait for the catalogue)
    # and the dates are in English.
    assert "Bonjour" not in english.body and "Bonjour" in french.body
    mission = assigned[0].mission
    day = timezone.localtime(mission.starts_at)
    with translation.override("en"):
        assert date_format(day, "l j F Y") in english.body
    with translation.override("fr"):
        assert date_format(day, "l j F Y") not in english.body


def test_never_twice_and_none_when_the_cancellation_is_refused(
    session, assigned, manager, django_capture_on_commit_callbacks, mailoutbox
):
    run = start("official", session, manager)
    cancel(run, manager, django_capture_on_commit_callbacks, mailoutbox)
    mailoutbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError),
    ):
        runs.run_cancel(run=run, by=manager)
    assert mailoutbox == []


def test_no_email_for_a_control_print_nor_for_those_without_an_address(
    session,
    assigned,
    manager,
    participant,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    control = start("control", session, manager)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError),
    ):
        runs.run_cancel(run=control, by=manager)
    assert mailoutbox == []
    User.objects.filter(pk=participant.pk).update(email="")
    run = start("official", session, manager)
    mails = cancel(run, manager, django_capture_on_commit_callbacks, mailoutbox)
    assert list(mails) == [assigned[2].participant.email]
