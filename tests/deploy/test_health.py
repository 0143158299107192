"""`/health/` tells a load balancer whether this process can serve, and
monitoring whether the service is whole: database, migrations, worker."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from imagin import health
from imagin.heartbeat import WorkerHeartbeat
from tests.factories import ExternalParticipantFactory

pytestmark = pytest.mark.django_db

QUEUED = override_settings(TASKS_BACKEND="database")


def _probe(client):
    response = client.get("/health/")
    return response.status_code, json.loads(response.content)


def _heartbeat(seconds_ago: int) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="worker-a",
        hostname="web-1",
        pid=4242,
        started_at=now - timedelta(hours=1),
        last_seen=now - timedelta(seconds=seconds_ago),
    )


def test_a_healthy_site_answers_200_with_each_check_and_nothing_else(client):
    status, body = _probe(client)
    assert status == 200
    # Tasks run inside the request in tests: there is no worker to wait for.
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "worker": "not used"},
    }


def test_the_answer_is_never_cached_and_sets_no_cookie(client):
    response = client.get("/health/")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


@QUEUED
def test_with_a_queue_a_recent_heartbeat_is_healthy(client):
    _heartbeat(seconds_ago=5)
    status, body = _probe(client)
    assert status == 200
    assert body["checks"]["worker"] == "ok"


@QUEUED
def test_with_a_queue_and_no_worker_ever_seen_it_answers_503(client):
    status, body = _probe(client)
    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"]["worker"] == "never seen"


@QUEUED
@override_settings(WORKER_HEARTBEAT_TIMEOUT=60)
def test_a_silent_worker_is_named_with_its_silence(client):
    _heartbeat(seconds_ago=300)
    status, body = _probe(client)
    assert status == 503
    assert body["checks"]["worker"].startswith("silent for 30")
    # Neither the machine nor the process is told to whoever asks.
    assert "web-1" not in json.dumps(body) and "4242" not in json.dumps(body)


def test_an_unreachable_database_answers_503_naming_it(client):
    with mock.patch.object(
        health.connection, "cursor", side_effect=OperationalError("down")
    ):
        status, body = _probe(client)
    assert status == 503
    assert body["checks"]["database"] == "unreachable"


def test_migrations_not_applied_answer_503_with_their_number_only(client):
    with (
        mock.patch.object(health, "_migrations_applied", False),
        mock.patch.object(
            health.MigrationExecutor,
            "migration_plan",
            return_value=[("migration", False), ("another", False)],
        ),
    ):
        status, body = _probe(client)
    assert status == 503
    assert body["checks"]["migrations"] == "2 not applied"


def test_a_signed_in_person_with_a_password_to_choose_still_gets_the_answer(client):
    participant = ExternalParticipantFactory(must_change_password=True)
    client.force_login(participant)
    status, _ = _probe(client)
    assert status == 200


def test_only_get_is_answered(client):
    assert client.post("/health/").status_code == 405
