"""Two web servers and two workers on one PostgreSQL database act as one site.

The production layout (docs/operations.md, "Scaling out"): N gunicorn
instances behind a load balancer, M `manage.py db_worker` processes, one
PostgreSQL database holding the sessions, the cache (rate-limit counters)
and the task queue. tests/deploy/cluster.py starts that layout for real, two of each,
on the test database, and drives it over HTTP as a browser would.

One test with four named steps rather than four tests: every transactional
test empties the database when it ends, and the servers must be stopped
before that (a worker still beating would write its heartbeat into the next
test's database).
"""

from __future__ import annotations

import email
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import global_settings
from django.db.models import Count
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from claims.models import Claim, ConvocationRun
from imagin.heartbeat import WorkerHeartbeat
from missions.models import Assignment, ConvocationStatus
from tests import factories
from tests.deploy.cluster import (
    SCALE_OUT_MARKS,
    WORKERS,
    Browser,
    a_session_opened_on_a_is_valid_on_b,
    failed_sign_ins_on_a_and_b_count_together,
    inputs,
    wait_for,
)

pytestmark = SCALE_OUT_MARKS
RUN_SECONDS = 40


# --- The steps ---------------------------------------------------------------


def a_run_started_twice_convokes_and_mails_each_participant_once(
    cluster, manager, session, participants
) -> None:
    browser = Browser()
    assert browser.sign_in(cluster.a, manager.username, factories.PASSWORD).status == (
        302
    )
    add = "/gestion/claims/convocationrun/add/"
    form = {"kind": "official", "session": str(session.pk), "exam": "", "centre": ""}
    # The manager starts the run on A, and (a double click sent elsewhere by
    # the load balancer) again on B: two tasks, taken by whichever worker.
    started = [browser.submit(server, add, form) for server in (cluster.a, cluster.b)]
    assert [page.status for page in started] == [302, 302]
    runs = ConvocationRun.objects.filter(kind="official")
    assert runs.count() == 2

    finished = (ConvocationRun.Status.DONE, ConvocationRun.Status.FAILED)
    wait_for(
        lambda: not runs.exclude(status__in=finished).exists(),
        RUN_SECONDS,
        "both runs to finish",
    )
    assert list(runs.values_list("status", "error")) == [("done", "")] * 2
    assignments = Assignment.objects.filter(mission__exam__session=session)
    assert sum(runs.values_list("convoked", flat=True)) == assignments.count() == 4
    assert sum(runs.values_list("emailed", flat=True)) == len(participants)
    assert set(assignments.values_list("status", flat=True)) == {
        ConvocationStatus.CONVOKED
    }
    per_assignment = Claim.objects.values("assignment").annotate(n=Count("pk"))
    assert sorted(row["assignment"] for row in per_assignment) == sorted(
        assignments.values_list("pk", flat=True)
    )
    assert {row["n"] for row in per_assignment} == {1}

    sent = _messages(cluster.mail_dir)
    assert Counter(message["To"] for message in sent) == {
        participant.email: 1 for participant in participants
    }
    assert all(message.is_multipart() for message in sent)  # the PDF attached

    # Each task was claimed once, by one of the two workers, and both workers
    # still beat after the run.
    tasks = DBTaskResult.objects.filter(task_path__endswith="execute_convocation_run")
    assert [(task.status, len(task.worker_ids)) for task in tasks] == [
        ("SUCCESSFUL", 1)
    ] * 2
    assert {task.worker_ids[0] for task in tasks} <= set(WORKERS)
    recent = timezone.now() - timedelta(seconds=5)
    wait_for(
        lambda: (
            WorkerHeartbeat.objects.filter(
                worker_id__in=WORKERS, last_seen__gte=recent
            ).count()
            == 2
        ),
        10,
        "both workers' heartbeats after the run",
    )


def _messages(mail_dir: Path) -> list[email.message.Message]:
    """The messages Django's file backend wrote: each followed by a line of
    79 dashes, one file per connection opened."""
    separator = b"\n" + b"-" * 79 + b"\n"
    return [
        email.message_from_bytes(chunk)
        for path in sorted(mail_dir.iterdir())
        for chunk in path.read_bytes().split(separator)
        if chunk.strip()
    ]


def a_claim_saved_on_a_is_read_on_b(cluster, browser: Browser, paul) -> None:
    claim = Claim.objects.filter(assignment__participant=paul).order_by("pk").first()
    step = f"/mes-etats-de-frais/{claim.pk}/etape/{{}}/"
    performed = browser.submit(cluster.a, step.format("mission"), {"performed": "yes"})
    assert (performed.status, performed.location) == (302, step.format("service"))
    saved = browser.submit(
        cluster.a,
        step.format("service"),
        {"copies_declared": "37", "action": "enregistrer"},
    )
    assert (saved.status, saved.location) == (302, step.format("service"))
    read = browser.get(cluster.b, step.format("service"))
    assert read.status == 200
    assert inputs(read)["copies_declared"] == "37"
    claim.refresh_from_db()
    assert claim.copies_declared == 37


# --- The test ----------------------------------------------------------------


def test_two_web_servers_and_two_workers_on_one_database_act_as_one_site(
    cluster, settings
):
    # The servers check passwords with the real hashers: the accounts must be
    # hashed with one of them (the suite's fast MD5 is for its own client).
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    manager = factories.ManagerFactory(first_name="Claire", last_name="Martin")
    paul = factories.UserFactory(first_name="Paul", last_name="Durand")
    participants = [paul, factories.UserFactory(), factories.UserFactory()]
    target = factories.UserFactory()
    session = factories.ExamSessionFactory(name="Session 2027")
    exam = factories.ExamFactory(session=session)
    missions = factories.MissionFactory.create_batch(2, exam=exam, epreuve__exam=exam)
    for participant, mission in [
        (paul, missions[0]),
        (paul, missions[1]),
        (participants[1], missions[0]),
        (participants[2], missions[1]),
    ]:
        Assignment.objects.create(mission=mission, participant=participant)

    browser = a_session_opened_on_a_is_valid_on_b(cluster, paul)
    failed_sign_ins_on_a_and_b_count_together(cluster, target)
    a_run_started_twice_convokes_and_mails_each_participant_once(
        cluster, manager, session, participants
    )
    a_claim_saved_on_a_is_read_on_b(cluster, browser, paul)
