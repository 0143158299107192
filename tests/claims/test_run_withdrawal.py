"""Cancelling an official convocation run e-mails each participant it had
convoked that their convocation is withdrawn, in their language, once; those
without an e-mail address are named to the manager, and those of them with a
postal address get a withdrawal letter only managers download."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from accounts.models import User
from accounts.roles import CENTRE_HEAD
from claims import runs
from claims.models import ConvocationRun
from imagin.audit import AuditEvent
from missions.models import Assignment
from tests import factories
from tests.claims.entry_helpers import pdf_text


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


@pytest.fixture
def posted_and_emailed(session, manager, participant, external_participant):
    """An official run, done: the agent e-mailed, the external participant
    (no e-mail, a postal address) posted."""
    User.objects.filter(pk=external_participant.pk).update(
        email="", address="8 rue des Carmes, 76000 Rouen"
    )
    exam = factories.ExamFactory(session=session, name="Baccalauréat général")
    Assignment.objects.create(
        mission=factories.MissionFactory(exam=exam, epreuve__exam=exam),
        participant=participant,
    )
    posted = Assignment.objects.create(
        mission=factories.MissionFactory(
            exam=exam, epreuve__exam=exam, epreuve__name="Philosophie écrite"
        ),
        participant=external_participant,
    )
    run = start("official", session, manager)
    assert [entry["id"] for entry in run.to_post] == [external_participant.pk]
    return run, posted


def test_the_posted_participant_is_named_and_sent_a_letter(
    client,
    posted_and_emailed,
    manager,
    participant,
    external_participant,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    run, posted = posted_and_emailed
    client.force_login(manager)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:claims_convocationrun_cancel", args=[run.pk]), follow=True
        )
    assert [message.to for message in mailoutbox] == [[participant.email]]
    page = response.content.decode()
    assert (
        "1 intervenant(s) sans adresse électronique à prévenir par courrier ou "
        "par téléphone : Sophie Bernard." in page
    )
    assert "À prévenir du retrait par courrier ou par téléphone" in page
    assert "À envoyer par courrier" not in page
    assert "Télécharger les lettres de retrait à poster (PDF)" in page
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert run.to_post == [{"id": external_participant.pk, "name": "Sophie Bernard"}]
    assert run.document.name.endswith(f"retrait-{run.pk}.pdf")
    event = AuditEvent.objects.get(action="claims.convocation_run.cancelled")
    assert event.data["withdrawal_letters"] == 1
    assert event.data["to_tell_by_post"] == [external_participant.pk]

    response = client.get(
        reverse("admin:claims_convocationrun_document", args=[run.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    text = pdf_text(content)
    assert "Sophie Bernard" in text and "Paul Durand" not in text
    assert "8 rue des Carmes" in text and "76000 ROUEN" in text
    assert "Philosophie écrite" in text and posted.mission.centre.name in text
    assert "L'état de frais qu'elle avait ouvert est supprimé" in text
    assert settings.AUTHORITY_CONTACT in text
    assert AuditEvent.objects.filter(
        action="claims.convocation_run.withdrawal_letters_downloaded",
        actor=manager,
    ).exists()


def test_without_a_postal_address_no_letter_but_named(
    posted_and_emailed,
    manager,
    external_participant,
    django_capture_on_commit_callbacks,
    mailoutbox,
    client,
):
    run, _posted = posted_and_emailed
    User.objects.filter(pk=external_participant.pk).update(address="")
    cancel(run, manager, django_capture_on_commit_callbacks, mailoutbox)
    run.refresh_from_db()
    assert run.to_post == [
        {"id": external_participant.pk, "name": "Sophie Bernard", "no_address": True}
    ]
    assert not run.document
    client.force_login(manager)
    page = client.get(
        reverse("admin:claims_convocationrun_change", args=[run.pk])
    ).content.decode()
    assert "lettre de retrait impossible à poster" in page
    assert "lettres de retrait à poster (PDF)" not in page


@pytest.mark.parametrize("who", ["external_participant", "participant", "outsider"])
def test_only_managers_download_the_letters(
    request,
    client,
    posted_and_emailed,
    manager,
    who,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    run, _posted = posted_and_emailed
    cancel(run, manager, django_capture_on_commit_callbacks, mailoutbox)
    centre_head = factories.UserFactory()
    centre_head.groups.add(Group.objects.get(name=CENTRE_HEAD))
    document = reverse("admin:claims_convocationrun_document", args=[run.pk])
    for user in (request.getfixturevalue(who), centre_head):
        client.force_login(user)
        response = client.get(document)
        assert response.status_code in (302, 403), user
        assert response.get("Content-Type") != "application/pdf"
    assert not AuditEvent.objects.filter(
        action="claims.convocation_run.withdrawal_letters_downloaded"
    ).exists()
