"""The demo académie loads, shows every kind of mission, and loads again harmlessly."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import User
from claims.models import Claim, ClaimStatus
from missions.models import MissionType

DEMO_MODELS = [
    "accounts.User",
    "accounts.Commune",
    "accounts.Establishment",
    "missions.ExamSession",
    "missions.Exam",
    "missions.Discipline",
    "missions.Epreuve",
    "missions.Centre",
    "missions.MissionType",
    "missions.Mission",
    "missions.Competence",
    "missions.Availability",
    "missions.Assignment",
    "claims.Claim",
    "imagin.AuditEvent",
]


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in DEMO_MODELS}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return _seed()


def test_the_demo_prints_its_logins(demo):
    for login in (
        "gestionnaire",
        "demo-gestion-2027",
        "enseignant",
        "demo-enseignant-2027",
        "E2027001",
        "demo-externe-2027",
    ):
        assert login in demo


def test_the_demo_logins_work(demo):
    manager = authenticate(username="gestionnaire", password="demo-gestion-2027")
    assert manager is not None and manager.is_staff
    assert manager.has_perm("claims.change_claim")
    teacher = authenticate(username="enseignant", password="demo-enseignant-2027")
    assert teacher.kind == User.Kind.AGENT
    external = authenticate(username="E2027001", password="demo-externe-2027")
    assert external.is_external and external.participant_number == "E2027001"
    assert external.last_login is None


def test_the_demo_has_every_kind_of_mission(demo):
    bases = set(MissionType.objects.values_list("payment_basis", flat=True))
    assert {"per_copy", "per_hour", "manager_entered"} <= bases
    assert MissionType.objects.filter(counts_candidates=True).exists()


def test_the_teacher_has_a_mission_over_and_one_to_come(demo):
    from django.utils import timezone

    now = timezone.now()
    claims = Claim.objects.filter(assignment__participant__username="enseignant")
    assert claims.filter(
        assignment__mission__ends_at__lt=now, status=ClaimStatus.DRAFT
    ).exists()
    assert claims.filter(assignment__mission__starts_at__gt=now).exists()
    external_claim = Claim.objects.get(assignment__participant__username="E2027001")
    assert external_claim.assignment.mission.ends_at < now
    assert external_claim.assignment.mission.mission_type.payment_basis == "per_copy"


def test_running_the_demo_twice_changes_nothing(demo):
    before = _counts()
    _seed()
    assert _counts() == before


def test_running_the_demo_again_loses_nothing(demo):
    teacher = User.objects.get(username="enseignant")
    teacher.set_password("un-nouveau-mot-de-passe-2027")
    teacher.save()
    claim = Claim.objects.filter(assignment__participant=teacher).first()
    claim.copies_declared = 57
    claim.save()
    _seed()
    teacher.refresh_from_db()
    claim.refresh_from_db()
    assert teacher.check_password("un-nouveau-mot-de-passe-2027")
    assert claim.copies_declared == 57
