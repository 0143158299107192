"""Two managers applying two runs at the same time (real transactions): a
mission never gets more people than it needs."""

from __future__ import annotations

import pytest

from missions.auto_apply import run_apply
from missions.models import (
    Assignment,
    AssignmentRun,
    ConvocationStatus,
    LineKind,
    RunStatus,
)
from tests import factories
from tests.claims.concurrency import ROW_LOCKS, race
from tests.missions.test_auto_assignment import mission, person

pytestmark = [pytest.mark.django_db(transaction=True), ROW_LOCKS]


def test_two_runs_applied_at_once_never_overfill_a_mission(manager):
    session = factories.ExamSessionFactory()
    missions = [mission(session, day=day) for day in range(3)]
    runs = []
    for _ in range(2):
        run = AssignmentRun.objects.create(
            session=session, created_by=manager, status=RunStatus.DONE
        )
        for m in missions:  # each run puts its own person on every mission
            run.lines.create(
                participant=person([m], session), mission=m, kind=LineKind.ADDED
            )
        runs.append(run)
    other = factories.UserFactory(is_staff=True)
    other.groups.set(manager.groups.all())
    outcomes = race(
        lambda: run_apply(run=runs[0], by=manager),
        lambda: run_apply(run=runs[1], by=other),
    )
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    for m in missions:
        assert (
            Assignment.objects.filter(
                mission=m, status=ConvocationStatus.ASSIGNED
            ).count()
            == 1
        )
    assert sorted(o["applied"] for o in outcomes) == [0, 3]
