"""Runs queued before the upgrade are run by the upgraded worker: the data
migration points their task at its new module."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db

migration = importlib.import_module("claims.migrations.0008_run_task_moved")


def _task(path: str, status: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        task_path=path,
        status=status,
        args_kwargs={"args": [], "kwargs": {"run_id": 1}},
        backend_name="default",
        run_after=timezone.now(),
    )


def test_a_queued_run_points_at_the_new_task_and_the_new_path_imports():
    waiting = _task(migration.OLD, "READY")
    finished = _task(migration.OLD, "SUCCESSFUL")
    migration.forward(apps, None)
    waiting.refresh_from_db()
    finished.refresh_from_db()
    assert waiting.task_path == migration.NEW
    # History stays as it happened.
    assert finished.task_path == migration.OLD
    assert import_string(migration.NEW).func.__name__ == "execute_convocation_run"


def test_going_back_restores_the_old_path():
    waiting = _task(migration.NEW, "READY")
    migration.backward(apps, None)
    waiting.refresh_from_db()
    assert waiting.task_path == migration.OLD
