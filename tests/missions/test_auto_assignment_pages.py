"""The automatic assignment's pages (managers only), the lock toggle on the
assignment page, and the audit sentences of the run (the participant's
wishes: test_session_wishes.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from accounts.roles import CENTRE_HEAD
from imagin import audit_sentences
from imagin.audit import AuditEvent
from missions import auto_assignment
from missions.auto_assignment import (
    STALE_AFTER,
    apply_execute,
    apply_request,
    run_execute,
    run_start,
)
from missions.auto_data import DEFAULT_WEIGHTS
from missions.models import (
    Assignment,
    AssignmentRun,
    Availability,
    Competence,
    LineKind,
    ProposalLine,
    RunStatus,
)
from tests import factories
from tests.platform_helpers import DATABASE_TASKS, run_stored_task

TZ = timezone.get_current_timezone()
APPLY_TASK = "missions.auto_assignment.execute_apply"


def at(day: int, hour: int) -> datetime:
    base = timezone.localdate() + timedelta(days=20 + day)
    return datetime(base.year, base.month, base.day, hour, tzinfo=TZ)


def staffed_session(n: int, session=None):
    """n missions on n days, and one competent, available person for each."""
    session = session or factories.ExamSessionFactory()
    exam = factories.ExamFactory(session=session)
    for day in range(n):
        mission = factories.MissionFactory(
            exam=exam, starts_at=at(day, 8), ends_at=at(day, 12), staffing_need=1
        )
        someone = factories.UserFactory()
        Competence.objects.create(participant=someone, epreuve=mission.epreuve)
        Availability.objects.create(
            participant=someone,
            session=session,
            date=timezone.localdate(mission.starts_at),
            half_day="am",
        )
    return session


def done_run(session, manager) -> AssignmentRun:
    run = run_start(session=session, by=manager, weights=DEFAULT_WEIGHTS)
    return run_execute(run.pk)


def urls(run, mission_pk) -> list[str]:
    return [
        reverse("admin:missions_mission_auto_start"),
        reverse("admin:missions_mission_auto_run", args=[run.pk]),
        reverse("admin:missions_mission_auto_apply", args=[run.pk]),
        reverse("admin:missions_mission_lock", args=[mission_pk]),
    ]


@pytest.mark.django_db
def test_only_managers_reach_the_pages(client, manager):
    session = staffed_session(1)
    run = done_run(session, manager)
    mission_pk = run.lines.get().mission_id
    head = factories.UserFactory(is_staff=True)
    head.groups.add(Group.objects.get(name=CENTRE_HEAD))
    client.force_login(factories.AdministratorFactory())  # not a manager
    for url in urls(run, mission_pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"confirm": "1"}).status_code == 403, url
    # A centre head, a participant: the back-office's sign-in page.
    for someone in (head, factories.UserFactory()):
        client.force_login(someone)
        for url in urls(run, mission_pk):
            assert client.get(url).status_code == 302
            assert client.post(url, {"confirm": "1"}).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    client.force_login(manager)
    for url in urls(run, mission_pk)[:2]:
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_launch_follow_preview_drop_and_apply(
    client, manager, settings, django_capture_on_commit_callbacks
):
    session = staffed_session(2)
    client.force_login(manager)
    start = reverse("admin:missions_mission_auto_start")
    posted = {
        "session": session.pk,
        "travel": "1",
        "balance": "10",
        "continuity": "20",
        "preference": "15",
        "division_max": "",
    }
    response = client.post(start, {**posted, "travel": "-3"})
    assert response.status_code == 200 and "-3" in response.content.decode()
    response = client.post(start, posted)
    run = AssignmentRun.objects.get()
    assert response.url == reverse("admin:missions_mission_auto_run", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert 'role="status"' in page and "Actualiser" in page  # still queued
    run_execute(run.pk)
    page = client.get(response.url).content.decode()
    assert "Borne du solveur" in page and "compétent(e) en" in page
    first, second = run.lines.order_by("pk")
    client.post(
        response.url, {"drop": "1", "shown": [first.pk, second.pk], "line": [second.pk]}
    )
    assert list(run.lines.filter(dropped=True)) == [second]
    apply_url = reverse("admin:missions_mission_auto_apply", args=[run.pk])
    assert "Confirmer" in client.post(apply_url, {}).content.decode()
    assert not Assignment.objects.exists()  # nothing before the confirmation
    with django_capture_on_commit_callbacks(execute=True):  # immediate tasks
        client.post(apply_url, {"confirm": "1"})
    assert Assignment.objects.get().participant_id == first.participant_id
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED
    assert "Appliquée par" in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_the_missions_action_opens_the_form_for_the_selection(client, manager):
    session = staffed_session(2)
    client.force_login(manager)
    ids = list(session.exams.get().missions.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:missions_mission_changelist"),
        {"action": "auto_assign_selected", "_selected_action": ids[:1]},
    )
    assert response.status_code == 200
    assert "1 mission choisie" in response.content.decode()


@pytest.mark.django_db
def test_the_lock_toggle_on_the_assignment_page(client, manager):
    assignment = factories.AssignmentFactory()
    client.force_login(manager)
    url = reverse("admin:missions_mission_lock", args=[assignment.mission_id])
    client.post(url, {"assignment": assignment.pk, "locked": "1"})
    assignment.refresh_from_db()
    assert assignment.locked
    page = client.get(
        reverse("admin:missions_mission_assign", args=[assignment.mission_id])
    ).content.decode()
    assert "Déverrouiller" in page
    session_pk = assignment.mission.exam.session_id
    start = reverse("admin:missions_mission_auto_start") + f"?session={session_pk}"
    assert start in page
    chosen = client.get(start).content.decode()
    assert f'<option value="{session_pk}" selected>' in chosen
    client.post(url, {"assignment": assignment.pk, "locked": "0"})
    assignment.refresh_from_db()
    assert not assignment.locked
    assert client.post(url, {"assignment": "\x00"}).status_code == 404
    other = factories.AssignmentFactory()
    assert client.post(url, {"assignment": other.pk, "locked": "1"}).status_code == 404


@pytest.mark.django_db
def test_the_preview_costs_the_same_queries_for_n_and_2n_lines(client, manager):
    client.force_login(manager)

    def queries(n: int) -> int:
        run = done_run(staffed_session(n), manager)
        assert run.lines.count() == n
        # A withdrawn and a moved line, with the mission they come from.
        line = run.lines.first()
        previous = Assignment.objects.create(
            mission=line.mission, participant=factories.UserFactory()
        )
        ProposalLine.objects.create(
            run=run,
            participant=previous.participant,
            mission=line.mission,
            kind=LineKind.WITHDRAWN,
            previous=previous,
        )
        url = reverse("admin:missions_mission_auto_run", args=[run.pk])
        client.get(url)  # the session's first page warms what is per process
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"nature": "", "q": "a"}).status_code == 200
        return len(captured)

    assert queries(3) == queries(6)


# ------------------------------------------------------------ audit words


@pytest.mark.django_db
def test_the_run_reads_as_sentences_in_french_and_english(manager):
    run = done_run(staffed_session(1), manager)
    from missions.auto_apply import run_apply  # noqa: PLC0415 (one test uses it)

    run_apply(run=run, by=manager)
    events = AuditEvent.objects.filter(action__startswith="missions.auto_assignment")
    assert [e.action for e in events.order_by("pk")] == [
        "missions.auto_assignment.started",
        "missions.auto_assignment.running",
        "missions.auto_assignment.done",
        "missions.auto_assignment.applied",
    ]
    named = audit_sentences.with_names(events.order_by("pk"))
    french = [audit_sentences.sentence(event) for event in named]
    assert french[0].startswith("Claire Martin a lancé l'affectation automatique")
    assert "1 ligne(s) appliquée(s), 0 refusée(s), 0 écartée(s)" in french[3]
    with translation.override("en"):
        english = [audit_sentences.sentence(event) for event in named]
    assert all(sentence for sentence in english)


@pytest.mark.django_db
def test_appliquer_saves_the_ticks_it_is_sent_with(
    client, manager, django_capture_on_commit_callbacks
):
    # The manager ticks a line and presses « Appliquer » straight away: the
    # tick counts, on the confirmation and at apply.
    run = done_run(staffed_session(2), manager)
    client.force_login(manager)
    url = reverse("admin:missions_mission_auto_run", args=[run.pk])
    apply_url = reverse("admin:missions_mission_auto_apply", args=[run.pk])
    page = client.get(url).content.decode()
    assert f'formaction="{apply_url}"' in page
    assert "changer de page ou filtrer avant ne les enregistre pas" in page
    first, second = run.lines.order_by("pk")
    confirm = client.post(
        apply_url, {"shown": [first.pk, second.pk], "line": [second.pk]}
    ).content.decode()
    assert "1 ligne écartée ne sera pas appliquée" in confirm
    assert "1 changement sera appliqué" in confirm
    assert list(run.lines.filter(dropped=True)) == [second]
    assert not Assignment.objects.exists()
    events = AuditEvent.objects.filter(action="missions.auto_assignment.lines_dropped")
    assert [event.actor_id for event in events] == [manager.pk]
    assert "1 écartée(s), 0 reprise(s) ; 1 écartée(s) en tout" in (
        audit_sentences.sentence(audit_sentences.with_names(events)[0])
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(apply_url, {"confirm": "1"})
    assert Assignment.objects.get().participant_id == first.participant_id
    # Unticked lines of the page sent again are kept (not dropped) at the
    # confirmation; hostile ids are ignored.
    other = done_run(staffed_session(1), manager)
    line = other.lines.get()
    line.dropped = True
    line.save()
    other_apply = reverse("admin:missions_mission_auto_apply", args=[other.pk])
    confirm = client.post(other_apply, {"shown": [line.pk, "\x00", "x"]})
    assert "1 changement sera appliqué" in confirm.content.decode()
    line.refresh_from_db()
    assert not line.dropped


@pytest.mark.django_db
def test_a_run_whose_worker_died_fails_on_its_page(client, manager):
    run = run_start(session=staffed_session(1), by=manager, weights=DEFAULT_WEIGHTS)
    AssignmentRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        started_at=timezone.now() - STALE_AFTER - timedelta(minutes=1),
    )
    client.force_login(manager)
    url = reverse("admin:missions_mission_auto_run", args=[run.pk])
    page = client.get(url).content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "le processus de calcul s&#x27;est arrêté" in page
    # What progress.js reads: a region that stops the polling, not the
    # report alone (which it would announce as « Le calcul est terminé »).
    assert "data-progress data-progress-stopped" in page
    assert "Voir la proposition" not in page and "Appliquer" not in page


@pytest.mark.django_db
def test_the_missions_list_locks_and_unlocks_their_assignments(client, manager):
    first, second = factories.AssignmentFactory(), factories.AssignmentFactory()
    withdrawn = factories.AssignmentFactory(mission=first.mission, status="withdrawn")
    elsewhere = factories.AssignmentFactory()
    changelist = reverse("admin:missions_mission_changelist")
    chosen = [first.mission_id, second.mission_id]
    client.force_login(factories.AdministratorFactory())  # not a manager
    forbidden = client.post(
        changelist, {"action": "lock_selected", "_selected_action": chosen}
    )
    assert forbidden.status_code == 403
    client.force_login(manager)
    response = client.post(
        changelist, {"action": "lock_selected", "_selected_action": chosen}, follow=True
    )
    assert "2 affectations verrouillées." in response.content.decode()
    locked = set(Assignment.objects.filter(locked=True).values_list("pk", flat=True))
    assert locked == {first.pk, second.pk}
    assert withdrawn.pk not in locked and elsewhere.pk not in locked
    events = AuditEvent.objects.filter(action="missions.assignment.locked")
    assert {(e.actor_id, e.target_id) for e in events} == {
        (manager.pk, first.pk),
        (manager.pk, second.pk),
    }
    response = client.post(
        changelist,
        {"action": "unlock_selected", "_selected_action": chosen[:1]},
        follow=True,
    )
    assert "1 affectation déverrouillée." in response.content.decode()
    assert list(Assignment.objects.filter(locked=True)) == [second]
    assert AuditEvent.objects.filter(action="missions.assignment.unlocked").count() == 1


# ------------------------------------------------- applied in the background


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_the_apply_is_queued_followed_and_refused_twice(
    client, manager, django_capture_on_commit_callbacks
):
    run = done_run(staffed_session(2), manager)
    client.force_login(manager)
    url = reverse("admin:missions_mission_auto_run", args=[run.pk])
    apply_url = reverse("admin:missions_mission_auto_apply", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(apply_url, {"confirm": "1"})
    assert response.url == url
    stored = DBTaskResult.objects.get(task_path=APPLY_TASK)
    assert not Assignment.objects.exists()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.summary["requested_by"] == manager.pk
    event = AuditEvent.objects.get(action="missions.auto_assignment.apply_requested")
    assert event.actor_id == manager.pk
    named = audit_sentences.with_names(AuditEvent.objects.filter(pk=event.pk))
    said = audit_sentences.sentence(named.get())
    assert "a demandé l'application de la proposition" in said
    page = client.get(url).content.decode()
    assert "Application de la proposition en cours…" in page
    assert "data-progress " in page and "imagin/progress.js" in page
    assert f'formaction="{apply_url}"' not in page and "Abandonner" not in page
    # A second confirmation, a discard or ticks while it is pending: refused.
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(apply_url, {"confirm": "1"}, follow=True)
    assert "est en cours" in refused.content.decode()
    client.post(apply_url, {"discard": "1"})
    first = run.lines.order_by("pk").first()
    client.post(apply_url, {"shown": [first.pk], "line": [first.pk]})
    assert DBTaskResult.objects.filter(task_path=APPLY_TASK).count() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and not run.lines.filter(dropped=True)
    run_stored_task(stored)
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED and Assignment.objects.count() == 2
    page = client.get(url).content.decode()
    assert "Appliquée par" in page and 'role="status" data-progress' not in page


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_failed_apply_says_so_and_can_be_applied_again(
    client, manager, monkeypatch, django_capture_on_commit_callbacks
):
    run = done_run(staffed_session(1), manager)
    client.force_login(manager)
    url = reverse("admin:missions_mission_auto_run", args=[run.pk])
    apply_url = reverse("admin:missions_mission_auto_apply", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(apply_url, {"confirm": "1"})

    def broken(**_kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(auto_assignment, "run_apply", broken)
    run_stored_task(DBTaskResult.objects.get(task_path=APPLY_TASK))
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.summary == {}
    assert run.error == "RuntimeError: base indisponible"
    assert not Assignment.objects.exists()
    event = AuditEvent.objects.get(action="missions.auto_assignment.apply_failed")
    assert event.actor_id == manager.pk and event.data["stale"] is False
    page = client.get(url).content.decode()
    assert "L'application de la proposition a échoué" in page
    assert "base indisponible" in page and "data-progress-stopped" in page
    assert f'formaction="{apply_url}"' in page  # may be applied again
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(apply_url, {"confirm": "1"})
    run_stored_task(DBTaskResult.objects.filter(task_path=APPLY_TASK).last())
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED and run.error == ""


@pytest.mark.django_db
def test_an_apply_whose_worker_died_is_given_up_on_its_page(client, manager):
    run = done_run(staffed_session(1), manager)
    apply_request(run=run, by=manager)  # its task never runs (no commit here)
    client.force_login(manager)
    url = reverse("admin:missions_mission_auto_run", args=[run.pk])
    assert "Application de la proposition en cours" in client.get(url).content.decode()
    run.refresh_from_db()
    run.summary["requested_at"] = (
        timezone.now() - STALE_AFTER - timedelta(minutes=1)
    ).isoformat()
    run.save(update_fields=["summary"])
    page = client.get(url).content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.summary == {}
    assert "appliquez à nouveau" in run.error and "appliquez à nouveau" in page
    event = AuditEvent.objects.get(action="missions.auto_assignment.apply_failed")
    assert event.actor_id == manager.pk and event.data["stale"] is True
    assert "Application de la proposition en cours" not in page
    # The worker coming back later applies nothing.
    assert apply_execute(run.pk, manager.pk).status == RunStatus.DONE
    assert not Assignment.objects.exists()
