"""The background worker proves it runs by a heartbeat in the shared database."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import get_commands
from django.test import override_settings
from django.utils import timezone

from imagin.heartbeat import WorkerHeartbeat, start_heartbeat

# The heartbeat writes from its own thread, hence its own connection: it must
# see committed data, not the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_db_worker_is_the_project_s_command_with_its_heartbeat():
    assert get_commands()["db_worker"] == "imagin"


@override_settings(WORKER_HEARTBEAT_INTERVAL=0.1)
def test_a_running_worker_beats_again_and_again_and_leaves_no_row_when_it_stops():
    heartbeat = start_heartbeat("worker-under-test")
    try:
        assert _wait_for(
            WorkerHeartbeat.objects.filter(worker_id="worker-under-test").exists
        )
        first = WorkerHeartbeat.objects.get(worker_id="worker-under-test").last_seen
        assert _wait_for(
            lambda: (
                WorkerHeartbeat.objects.get(worker_id="worker-under-test").last_seen
                > first
            )
        )
    finally:
        heartbeat.stop()
    assert not heartbeat.is_alive()
    assert not WorkerHeartbeat.objects.filter(worker_id="worker-under-test").exists()


def test_a_starting_worker_forgets_workers_gone_for_a_day_but_not_the_others():
    now = timezone.now()
    for worker_id, silence in (("gone", timedelta(days=2)), ("other", timedelta(0))):
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname="host",
            pid=1,
            started_at=now - silence,
            last_seen=now - silence,
        )
    heartbeat = start_heartbeat("new")
    heartbeat.stop()
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"other"}
