"""Convocation runs: control print, official run, idempotence, cancellation."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import User
from claims import runs
from claims.models import Claim, ConvocationRun
from missions.models import Assignment
from tests import factories


def pdf_text(content: bytes) -> str:
    return "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(content)).pages
    )


@pytest.fixture
def session(db):
    return factories.ExamSessionFactory(name="Session 2027")


@pytest.fixture
def assigned(session, participant, external_participant):
    """Three assignments not yet convoked: two for the agent, one for the external
    (created by the division: no password yet)."""
    external_participant.set_unusable_password()
    external_participant.save()
    exam = factories.ExamFactory(session=session, name="Baccalauréat général")
    missions = factories.MissionFactory.create_batch(2, exam=exam, epreuve__exam=exam)
    other_exam = factories.ExamFactory(session=session, name="BTS")
    bts = factories.MissionFactory(exam=other_exam, epreuve__exam=other_exam)
    return [
        Assignment.objects.create(mission=missions[0], participant=participant),
        Assignment.objects.create(mission=missions[1], participant=participant),
        Assignment.objects.create(mission=bts, participant=external_participant),
    ]


def start(kind, session, manager, **scope):
    run = ConvocationRun.objects.create(
        kind=kind, session=session, created_by=manager, **scope
    )
    return runs.run_execute(run.pk)


def test_a_control_print_changes_nothing(session, assigned, manager, mailoutbox):
    run = start("control", session, manager)
    assert (run.status, run.participants_total) == ("done", 2)
    text = pdf_text(run.document.read())
    assert "IMPRESSION DE CONTRÔLE" in text
    assert "Paul Durand" in text and "Sophie Bernard" in text
    assert "Mot de passe provisoire" not in text
    assert set(Assignment.objects.values_list("status", flat=True)) == {"assigned"}
    assert not Claim.objects.exists()
    assert mailoutbox == []


def test_the_official_run_convokes_opens_claims_and_sends_each_pdf(
    session,
    assigned,
    manager,
    external_participant,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    with django_capture_on_commit_callbacks(execute=True):
        run = start("official", session, manager)
    assert (run.status, run.convoked, run.emailed) == ("done", 3, 2)
    assert set(Assignment.objects.values_list("status", flat=True)) == {"convoked"}
    assert Claim.objects.filter(run=run).count() == 3
    by_address = {message.to[0]: message for message in mailoutbox}
    agent_mail = by_address[assigned[0].participant.email]
    name, content, mimetype = agent_mail.attachments[0]
    assert mimetype == "application/pdf"
    agent_pdf = pdf_text(content)
    assert (
        agent_pdf.count("Convocation") >= 1
        and "Mot de passe provisoire" not in agent_pdf
    )
    assert assigned[0].mission.centre.name in agent_pdf
    # The external participant's first convocation carries working credentials.
    external_pdf = pdf_text(by_address[external_participant.email].attachments[0][1])
    assert "Mot de passe provisoire" in external_pdf
    password = external_pdf.split("Mot de passe provisoire :")[1].split()[0]
    external_participant.refresh_from_db()
    assert external_participant.check_password(password)
    assert external_participant.participant_number in external_pdf


def test_running_twice_never_convokes_twice(
    session, assigned, manager, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        start("official", session, manager)
        second = start("official", session, manager)
    assert (second.participants_total, second.convoked, second.emailed) == (0, 0, 0)
    assert Claim.objects.count() == 3
    assert len(mailoutbox) == 2
    # Executing the same run again does nothing either.
    assert runs.run_execute(second.pk).convoked == 0


def test_a_run_covers_only_its_scope(session, assigned, manager):
    exam = assigned[2].mission.exam
    run = start("official", session, manager, exam=exam)
    assert run.convoked == 1
    assert Assignment.objects.get(pk=assigned[2].pk).status == "convoked"
    assert Assignment.objects.get(pk=assigned[0].pk).status == "assigned"


def test_participants_without_address_are_gathered_for_the_post(
    session, assigned, manager, participant
):
    User.objects.filter(pk=participant.pk).update(email="")
    run = start("official", session, manager)
    # Paul has no postal address either: the run's page says so.
    assert run.to_post == [
        {"id": participant.pk, "name": "Paul Durand", "no_address": True}
    ]
    assert "Paul Durand" in pdf_text(run.document.read())


def test_an_external_participant_gets_credentials_only_once(
    session, assigned, manager, external_participant
):
    start("official", session, manager)
    later = factories.MissionFactory(exam=assigned[2].mission.exam)
    Assignment.objects.create(mission=later, participant=external_participant)
    old_password = User.objects.get(pk=external_participant.pk).password
    start("official", session, manager)
    assert User.objects.get(pk=external_participant.pk).password == old_password


def test_an_external_participant_with_a_password_of_their_own_keeps_it(
    session, assigned, manager, external_participant
):
    """One whose account request was accepted chose a password by e-mail: their
    first convocation must not replace it."""
    external_participant.set_password("Une-phrase-bien-longue-2027")
    external_participant.save()
    start("official", session, manager)
    external_participant.refresh_from_db()
    assert external_participant.check_password("Une-phrase-bien-longue-2027")
    assert not external_participant.must_change_password


def test_cancelling_a_run_undoes_it_as_a_whole(session, assigned, manager):
    run = start("official", session, manager)
    runs.run_cancel(run=run, by=manager)
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert not Claim.objects.exists()
    assert set(Assignment.objects.values_list("status", flat=True)) == {"assigned"}
    assert Assignment.objects.filter(convoked_at__isnull=False).count() == 0
    # It can be run again afterwards.
    assert start("official", session, manager).convoked == 3


def test_a_run_with_a_started_claim_is_not_cancelled(session, assigned, manager):
    run = start("official", session, manager)
    started = Claim.objects.filter(assignment=assigned[0]).get()
    Claim.objects.filter(pk=started.pk).update(version=2, copies_declared=12)
    with pytest.raises(ValidationError) as refused:
        runs.run_cancel(run=run, by=manager)
    assert f"État de frais n° {started.pk}" in " ".join(refused.value.messages)
    assert Claim.objects.count() == 3
    assert ConvocationRun.objects.get(pk=run.pk).status == "done"


def test_a_failing_run_says_so(session, assigned, manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("imprimante en feu")

    monkeypatch.setattr(runs, "convocations_pdf", broken)
    run = start("control", session, manager)
    assert run.status == "failed"
    assert "imprimante en feu" in run.error


def test_a_run_failing_half_way_still_mails_those_it_convoked(
    session, assigned, manager, monkeypatch, django_capture_on_commit_callbacks
):
    """A batch's PDFs are laid out while the next batch is convoked: when the
    next one fails, the batch already convoked is still e-mailed."""
    from django.core import mail

    convoke = runs._convoke_participant
    taken: list[int] = []

    def failing_at_the_second(run, participant_id):
        taken.append(participant_id)
        if len(taken) == 2:
            raise RuntimeError("base de données perdue")
        return convoke(run, participant_id)

    monkeypatch.setattr(runs, "BATCH_SIZE", 1)
    monkeypatch.setattr(runs, "_convoke_participant", failing_at_the_second)
    with django_capture_on_commit_callbacks(execute=True):
        run = start("official", session, manager)
    first = User.objects.get(pk=taken[0])
    convoked = Assignment.objects.filter(status="convoked")
    assert run.status == "failed" and "base de données perdue" in run.error
    assert set(convoked.values_list("participant_id", flat=True)) == {first.pk}
    assert (run.convoked, run.emailed, run.participants_done) == (
        convoked.count(),
        1,
        1,
    )
    assert [message.to for message in mail.outbox] == [[first.email]]


def test_when_a_batch_pdfs_fail_the_next_batch_convoked_meanwhile_is_mailed(
    session, assigned, manager, monkeypatch, django_capture_on_commit_callbacks
):
    """The first batch's PDFs fail once the second batch is convoked (they are
    laid out meanwhile): the second is still e-mailed, and the run reports
    the first failure."""
    from django.core import mail

    start_pdfs = runs.start_convocation_pdfs
    batches: list[list] = []

    def first_batch_broken(convocations):
        batches.append([c.participant.pk for c in convocations])
        started = start_pdfs(convocations)
        if len(batches) > 1:
            return started

        def broken():
            raise RuntimeError("imprimante en feu")

        return broken

    monkeypatch.setattr(runs, "BATCH_SIZE", 1)
    monkeypatch.setattr(runs, "start_convocation_pdfs", first_batch_broken)
    with django_capture_on_commit_callbacks(execute=True):
        run = start("official", session, manager)
    second = User.objects.get(pk=batches[1][0])
    assert run.status == "failed" and "imprimante en feu" in run.error
    assert set(Assignment.objects.values_list("status", flat=True)) == {"convoked"}
    assert [message.to for message in mail.outbox] == [[second.email]]
    assert (run.emailed, run.participants_done) == (1, 1)


def test_the_back_office_journey_of_a_run(
    client, session, assigned, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    add = reverse("admin:claims_convocationrun_add")
    assert client.get(add).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add, {"kind": "control", "session": session.pk})
    run = ConvocationRun.objects.get()
    assert response["Location"] == reverse(
        "admin:claims_convocationrun_change", args=[run.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "Terminé" in page and "impression de contrôle (PDF)" in page
    document = client.get(
        reverse("admin:claims_convocationrun_document", args=[run.pk])
    )
    assert document["Content-Type"] == "application/pdf"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(add, {"kind": "official", "session": session.pk})
    official = ConvocationRun.objects.get(kind="official")
    assert official.convoked == 3
    cancel = reverse("admin:claims_convocationrun_cancel", args=[official.pk])
    assert client.get(cancel).status_code == 200
    client.post(cancel)
    assert ConvocationRun.objects.get(pk=official.pk).status == "cancelled"
    # A mismatched exam is a form error, not a 500.
    other_exam = factories.ExamFactory()
    response = client.post(
        add, {"kind": "control", "session": session.pk, "exam": other_exam.pk}
    )
    assert "appartient pas à la session" in response.content.decode()


def test_participants_do_not_reach_runs(client, participant, session, manager):
    run = start("control", session, manager)
    client.force_login(participant)
    for url in (
        reverse("admin:claims_convocationrun_changelist"),
        reverse("admin:claims_convocationrun_document", args=[run.pk]),
    ):
        assert client.get(url).status_code in (302, 403)


def test_the_official_run_goes_through_the_task_queue(
    session, assigned, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.run_start(kind="official", session=session, by=manager)
    run.refresh_from_db()
    assert (run.status, run.convoked) == ("done", 3)


# The worker opens its own connection: on PostgreSQL, not from inside the
# transaction a plain test runs in.
@pytest.mark.django_db(transaction=True)
def test_in_production_the_run_waits_for_the_database_worker(
    session, assigned, manager, settings, monkeypatch
):
    from django.core.management import call_command
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from imagin.management.commands import db_worker

    if connection.vendor == "sqlite":
        # SQLite's in-memory test database locks whole tables between
        # threads, without waiting: the heartbeat's thread (tested in
        # tests/deploy/test_worker_heartbeat.py) would make the worker's
        # writes fail at random. PostgreSQL runs it as production does.
        monkeypatch.setattr(db_worker, "start_heartbeat", _no_heartbeat)

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run = runs.run_start(kind="official", session=session, by=manager)
    run.refresh_from_db()
    assert run.status == "queued"
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    call_command("db_worker", batch=True, interval=0, verbosity=0)

    run.refresh_from_db()
    assert (run.status, run.convoked) == ("done", 3)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


class _no_heartbeat:  # noqa: N801 (stands in for imagin.heartbeat.start_heartbeat)
    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id

    def stop(self) -> None:
        pass
