"""Before a convocation: whether the participant's financial file is valid
on the mission's day (the assignments' column and filter), and the reminder
to those whose file is missing or will have expired, once per mission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import FinancialFile
from claims import file_reminders
from claims.file_reminders import (
    EXPIRING,
    MISSING,
    VALID,
    FinancialFileFilter,
    file_state,
    financial_file_column,
    send_financial_file_reminders,
    with_file_state,
)
from claims.models.reminders import FinancialFileReminder
from imagin.audit import AuditEvent
from missions.models import Assignment
from tests import factories
from tests.claims.review_helpers import checked_financial_file

pytestmark = pytest.mark.django_db


def with_file(participant, manager, changed: datetime) -> FinancialFile:
    file = checked_financial_file(participant, manager)
    FinancialFile.objects.filter(pk=file.pk).update(updated_at=changed)
    return FinancialFile.objects.get(pk=file.pk)


def assigned(participant, days: int) -> Assignment:
    starts_at = timezone.now() + timedelta(days=days)
    return factories.AssignmentFactory(
        participant=participant,
        mission=factories.MissionFactory(starts_at=starts_at),
    )


@pytest.fixture
def three(manager, settings):
    """One participant per state, each assigned to a mission in 20 days."""
    settings.FINANCIAL_FILE_VALIDITY_MONTHS = 24
    now = timezone.now()
    valid, expiring, missing = (factories.UserFactory() for _ in range(3))
    with_file(valid, manager, now - timedelta(days=30))
    # Two years old in ten days: expired by the mission's day.
    with_file(expiring, manager, now - timedelta(days=730 - 10))
    return {
        VALID: assigned(valid, 20),
        EXPIRING: assigned(expiring, 20),
        MISSING: assigned(missing, 20),
    }


def loaded(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_related(
        "participant__financial_file", "mission"
    ).get(pk=assignment.pk)


def test_each_state_is_told(three):
    for state, assignment in three.items():
        row = loaded(assignment)
        file = getattr(row.participant, "financial_file", None)
        assert file_state(file, row.mission.starts_at) == state
    assert financial_file_column(loaded(three[VALID])) == "Valide"
    assert financial_file_column(loaded(three[MISSING])) == "Manquant"
    expiring = loaded(three[EXPIRING])
    text = financial_file_column(expiring)
    day = timezone.localtime(
        file_reminders.expires_at(expiring.participant.financial_file)
    )
    assert text.startswith(f"Expire le {day.day} ")
    assert text.endswith(", avant la mission")
    assert day <= expiring.mission.starts_at


def test_the_filter_selects_each_state(three):
    everyone = Assignment.objects.all()
    for state, assignment in three.items():
        assert list(with_file_state(everyone, state)) == [assignment]


def test_the_back_office_list_shows_and_filters(client, manager, three):
    client.force_login(manager)
    url = reverse("admin:missions_assignment_changelist")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dossier financier" in html
    assert "Manquant" in html and "avant la mission" in html
    parameter = FinancialFileFilter.parameter_name
    filtered = client.get(url, {parameter: MISSING})
    assert filtered.status_code == 200
    assert list(filtered.context["cl"].result_list) == [three[MISSING]]
    # A value the filter does not know lists everything, without an error.
    assert client.get(url, {parameter: "n'importe quoi\x00"}).status_code in (
        200,
        400,
    )


@pytest.mark.parametrize("months", [1, 24])
def test_the_filter_agrees_with_is_to_renew_on_month_ends(manager, settings, months):
    """Files changed around month ends, missions around month ends: the
    database's condition and `is_to_renew` say the same."""
    settings.FINANCIAL_FILE_VALIDITY_MONTHS = months
    changes = [
        datetime(2024, 1, 31, 10, 0, tzinfo=UTC),
        datetime(2024, 1, 28, 23, 0, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, tzinfo=UTC),
        datetime(2024, 3, 31, 0, 0, tzinfo=UTC),
        datetime(2024, 12, 31, 23, 59, tzinfo=UTC),
    ]
    starts = [
        datetime(2024, 2, 29, 10, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 0, 0, tzinfo=UTC),
        datetime(2024, 3, 31, 9, 0, tzinfo=UTC),
        datetime(2024, 4, 30, 12, 0, tzinfo=UTC),
        datetime(2025, 1, 31, 23, 59, tzinfo=UTC),
        datetime(2026, 1, 31, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
    ]
    missions = [factories.MissionFactory(starts_at=start) for start in starts]
    expected = {}
    for changed in changes:
        participant = factories.UserFactory()
        file = with_file(participant, manager, changed)
        for mission in missions:
            assignment = factories.AssignmentFactory(
                participant=participant, mission=mission
            )
            renew = file.is_to_renew(mission.starts_at)
            expected[assignment.pk] = EXPIRING if renew else VALID
            assert (file_reminders.expires_at(file) <= mission.starts_at) == renew
    everyone = Assignment.objects.all()
    for state in (VALID, EXPIRING):
        found = set(with_file_state(everyone, state).values_list("pk", flat=True))
        assert found == {pk for pk, s in expected.items() if s == state}


def run(capture):
    with capture(execute=True):
        return send_financial_file_reminders()


def test_reminded_once_with_what_to_provide(
    three, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.FINANCIAL_FILE_REQUIRES_NIR = True
    report = run(django_capture_on_commit_callbacks)
    assert (report.reminded, report.without_email) == (2, 0)
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {
        three[EXPIRING].participant.email,
        three[MISSING].participant.email,
    }
    missing = by_address[three[MISSING].participant.email]
    assert missing.subject == (
        "Votre dossier financier est à constituer avant votre mission"
    )
    assert "Vous n'avez pas encore de dossier financier" in missing.body
    for needed in ("l'IBAN et le BIC", "(RIB)", "numéro de sécurité sociale"):
        assert needed in missing.body
    assert reverse("accounts:financial_file") in missing.body
    mission = three[MISSING].mission
    assert mission.exam.name in missing.body
    expiring = by_address[three[EXPIRING].participant.email]
    assert expiring.subject == (
        "Votre dossier financier est à renouveler avant votre mission"
    )
    file = FinancialFile.objects.get(user=three[EXPIRING].participant)
    day = timezone.localtime(file_reminders.expires_at(file))
    assert f"Votre dossier financier expire le {day.day} " in expiring.body
    assert set(
        FinancialFileReminder.objects.values_list("assignment_id", "reason")
    ) == {(three[EXPIRING].pk, EXPIRING), (three[MISSING].pk, MISSING)}
    assert AuditEvent.objects.filter(action=file_reminders.REMINDED_ACTION).count() == 2

    # Again, and through the command: nothing sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        out = StringIO()
        call_command("send_financial_file_reminders", stdout=out)
    assert out.getvalue().startswith("0 intervenant(s) relancé(s)")
    assert len(mailoutbox) == 2


def test_only_the_next_mission_within_the_horizon(
    manager, mailoutbox, django_capture_on_commit_callbacks
):
    participant = factories.UserFactory()
    soon = assigned(participant, 10)
    assigned(participant, 30)  # the one after: its own reminder, later
    far = factories.UserFactory()
    assigned(far, 90)  # beyond the horizon: not yet
    past = factories.UserFactory()
    assigned(past, -2)  # already started
    withdrawn = assigned(factories.UserFactory(), 5)
    Assignment.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    assert run(django_capture_on_commit_callbacks).reminded == 1
    assert list(
        FinancialFileReminder.objects.values_list("assignment_id", flat=True)
    ) == [soon.pk]
    assert [message.to for message in mailoutbox] == [[participant.email]]


def test_without_an_address_nobody_is_recorded(
    manager, mailoutbox, django_capture_on_commit_callbacks
):
    nobody = factories.UserFactory(email="")
    assigned(nobody, 10)
    report = run(django_capture_on_commit_callbacks)
    assert (report.reminded, report.without_email) == (0, 1)
    assert not FinancialFileReminder.objects.exists()
    assert not mailoutbox
