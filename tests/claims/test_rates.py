"""Rate tables in the back-office, and amounts frozen when a manager validates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from claims.models import Claim, ClaimStatus, Meal, Rate, RateTable, Trip
from claims.selectors import claim_amounts, claims_for_pricing
from claims.services import claim_approve, convocation_issue
from imagin.audit import AuditEvent
from missions.models import Exam
from tests import factories

D = Decimal


def submitted(claim: Claim, **declared) -> Claim:
    """The participant's entry (issue 6) is not the subject here: set it directly."""
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.SUBMITTED, **declared)
    return claims_for_pricing().get(pk=claim.pk)


def bac_copy_rate() -> Rate:
    return Rate.objects.get(
        table__kind="diploma_jury", table__valid_until__isnull=True, key="copy:5"
    )


def test_validation_freezes_the_amounts_and_later_rate_edits_leave_them(
    convoked_claim, manager
):
    claim = submitted(convoked_claim, copies_declared=100)
    assert claim.has_travel_part
    day = claim.assignment.mission.starts_at.date()
    Trip.objects.create(
        claim=claim, date=day, mode="car", fiscal_horsepower=5, kilometres=50
    )
    Meal.objects.create(claim=claim, date=day)

    approved = claim_approve(claim=claim, by=manager)

    assert approved.status == ClaimStatus.APPROVED
    # 100 copies × 5,00 €; 50 km × 0,32 € + one meal at 20 €.
    assert (approved.remuneration_amount, approved.travel_amount) == (
        D("500.00"),
        D("36.00"),
    )
    lines_before = list(
        approved.lines.values_list("kind", "quantity", "unit_rate", "amount")
    )
    assert ("remuneration", D(100), D(5), D("500.00")) in lines_before

    rate = bac_copy_rate()
    rate.amount = D("9.99")
    rate.save()
    Rate.objects.filter(table__kind="meal").update(amount=D("99"))

    claim = claims_for_pricing().get(pk=claim.pk)
    assert (claim.remuneration_amount, claim.travel_amount) == (D("500.00"), D("36.00"))
    assert (
        list(claim.lines.values_list("kind", "quantity", "unit_rate", "amount"))
        == lines_before
    )
    assert claim_amounts(claim).total == D("536.00")


def test_until_validation_the_amounts_follow_the_tables(convoked_claim):
    claim = submitted(convoked_claim, copies_declared=10)
    assert claim_amounts(claim).total == D("50.00")
    rate = bac_copy_rate()
    rate.amount = D("6")
    rate.save()
    assert claim_amounts(claims_for_pricing().get(pk=claim.pk)).total == D("60.00")


def test_validation_is_logged_with_the_amounts(convoked_claim, manager):
    claim_approve(claim=submitted(convoked_claim, copies_declared=3), by=manager)
    event = AuditEvent.objects.for_object(convoked_claim).latest("pk")
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "claims.claim.approved",
        "submitted",
        "approved",
        manager,
    )
    assert event.data["remuneration_amount"] == "15.00"


def test_validated_quantities_win_over_declared_ones(convoked_claim, manager):
    claim = submitted(convoked_claim, copies_declared=100, copies_validated=80)
    assert claim_approve(claim=claim, by=manager).remuneration_amount == D("400.00")


def test_nobody_validates_their_own_claim(convoked_claim):
    claim = submitted(convoked_claim, copies_declared=3)
    owner = claim.assignment.participant
    owner.is_staff = True
    owner.save()
    with pytest.raises(PermissionDenied):
        claim_approve(claim=claim, by=owner)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED


def test_a_claim_missing_a_quantity_is_not_validated(convoked_claim, manager):
    claim = submitted(convoked_claim)
    with pytest.raises(ValidationError) as refused:
        claim_approve(claim=claim, by=manager)
    assert "copies corrigées" in " ".join(refused.value.messages)
    claim.refresh_from_db()
    assert (claim.status, claim.remuneration_amount) == (ClaimStatus.SUBMITTED, None)
    assert not claim.lines.exists()


def test_a_cancelled_claim_is_not_validated(convoked_claim, manager):
    Claim.objects.filter(pk=convoked_claim.pk).update(
        status=ClaimStatus.CANCELLED, copies_declared=3
    )
    with pytest.raises(ValidationError):
        claim_approve(claim=convoked_claim, by=manager)


def test_other_claims_kilometres_fill_the_yearly_bands(participant, manager):
    """1 900 km on an earlier claim this year, then a 300 km trip: 100 km at
    the first band's rate and 200 km at the second's (6 CV: 0,41 and 0,51)."""
    when = date.today() - timedelta(days=3)
    if when.month == 1 and when.day < 3:
        pytest.skip("needs two days of the same year before the mission")

    def claim_with_trip(day, km, status):
        assignment = factories.AssignmentFactory(participant=participant)
        claim = convocation_issue(assignment=assignment, by=manager)
        assert claim.has_travel_part
        Trip.objects.create(
            claim=claim, date=day, mode="car", fiscal_horsepower=6, kilometres=km
        )
        Claim.objects.filter(pk=claim.pk).update(status=status, copies_declared=0)
        return claim

    claim_with_trip(when - timedelta(days=1), 1900, ClaimStatus.SUBMITTED)
    # Drafts, claims sent back, cancelled or not performed, and later trips
    # do not count.
    for status in (
        ClaimStatus.DRAFT,
        ClaimStatus.RETURNED,
        ClaimStatus.CANCELLED,
        ClaimStatus.NOT_PERFORMED,
    ):
        claim_with_trip(when - timedelta(days=1), 5000, status)
    claim_with_trip(when + timedelta(days=1), 5000, ClaimStatus.SUBMITTED)
    claim = claim_with_trip(when, 300, ClaimStatus.SUBMITTED)

    mileage = [
        (line.quantity, line.unit_rate, line.amount)
        for line in claim_amounts(claims_for_pricing().get(pk=claim.pk)).lines
        if line.kind == "mileage"
    ]
    assert mileage == [
        (D(100), D("0.41"), D("41.00")),
        (D(200), D("0.51"), D("102.00")),
    ]


# ------------------------------------------------------------ back-office


@pytest.fixture
def administrator(db):
    return factories.AdministratorFactory(first_name="Alix", last_name="Admin")


def table_form(valid_from, valid_until="", **rates):
    data = {
        "kind": "meal",
        "zone": "mainland",
        "currency": "EUR",
        "valid_from": valid_from,
        "valid_until": valid_until,
        "reference": "Arrêté imaginaire",
        "rates-TOTAL_FORMS": str(len(rates)),
        "rates-INITIAL_FORMS": "0",
        "rates-MIN_NUM_FORMS": "0",
        "rates-MAX_NUM_FORMS": "1000",
    }
    for number, (key, amount) in enumerate(rates.items()):
        data[f"rates-{number}-key"] = key
        data[f"rates-{number}-amount"] = amount
    return data


def test_an_administrator_adds_the_next_table_after_closing_the_current_one(
    client, administrator
):
    client.force_login(administrator)
    current = RateTable.objects.get(kind="meal", zone="mainland", valid_until=None)
    current.valid_until = date(2030, 12, 31)
    current.save()
    response = client.post(
        reverse("admin:claims_ratetable_add"), table_form("2031-01-01", meal="22.50")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    table = RateTable.objects.get(
        kind="meal", zone="mainland", valid_from=date(2031, 1, 1)
    )
    assert table.rates.get().amount == D("22.50")
    assert (
        AuditEvent.objects.for_object(table)
        .filter(action="claims.rate_table.rates_changed", actor=administrator)
        .exists()
    )


def test_an_overlapping_period_is_refused_with_a_clear_message(client, administrator):
    client.force_login(administrator)
    count = RateTable.objects.count()
    response = client.post(
        reverse("admin:claims_ratetable_add"), table_form("2024-01-01", meal="22.50")
    )
    assert response.status_code == 200
    assert "chevauche le barème" in response.content.decode()
    assert RateTable.objects.count() == count


def test_a_reversed_period_is_refused(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:claims_ratetable_add"),
        table_form("2040-01-01", "2039-12-31", meal="22.50"),
    )
    assert response.status_code == 200
    assert "ne peut pas précéder son début" in response.content.decode()


def test_a_rate_of_another_kind_is_refused(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:claims_ratetable_add"),
        table_form("2040-01-01", **{"copy:1": "1"}),
    )
    assert response.status_code == 200
    assert "appartient pas à un barème" in response.content.decode()
    assert not RateTable.objects.filter(valid_from=date(2040, 1, 1)).exists()


def test_managers_read_the_tables_but_do_not_change_them(client, manager):
    client.force_login(manager)
    table = RateTable.objects.filter(kind="meal").first()
    change = reverse("admin:claims_ratetable_change", args=[table.pk])
    assert client.get(reverse("admin:claims_ratetable_changelist")).status_code == 200
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:claims_ratetable_add")).status_code == 403
    response = client.post(change, table_form("2000-01-01", "2000-12-31", meal="1"))
    assert response.status_code == 403
    table.refresh_from_db()
    assert table.valid_from != date(2000, 1, 1)


def test_participants_do_not_reach_the_tables(client, participant):
    client.force_login(participant)
    response = client.get(reverse("admin:claims_ratetable_changelist"))
    assert response.status_code in (302, 403)


def test_a_diploma_needs_its_rate_group(client, manager):
    client.force_login(manager)
    session = factories.ExamSessionFactory()
    response = client.post(
        reverse("admin:missions_exam_add"),
        {"session": session.pk, "code": "CAP", "name": "CAP", "kind": "diploma"},
    )
    assert response.status_code == 200
    assert "taux de correction et un taux des oraux" in response.content.decode()
    response = client.post(
        reverse("admin:missions_exam_add"),
        {
            "session": session.pk,
            "code": "CAP",
            "name": "CAP",
            "kind": "diploma",
            "copy_rate_level": "2",
            "hour_rate_level": "1",
        },
    )
    assert response.status_code == 302
    assert Exam.objects.get(code="CAP").copy_rate_level == "2"


def test_a_draft_is_validated_only_when_the_manager_enters_the_amount(
    participant, manager
):
    surveillance = factories.MissionTypeFactory(
        payment_basis="manager_entered", travel_eligible=False
    )
    assignment = factories.AssignmentFactory(
        participant=participant, mission__mission_type=surveillance
    )
    claim = convocation_issue(assignment=assignment, by=manager)
    with pytest.raises(ValidationError, match="saisi par le gestionnaire"):
        claim_approve(claim=claim, by=manager)
    Claim.objects.filter(pk=claim.pk).update(manager_amount=D("48.20"))
    approved = claim_approve(claim=claim, by=manager)
    assert (approved.remuneration_amount, approved.travel_amount) == (D("48.20"), 0)


def test_a_draft_with_something_to_declare_waits_for_the_participant(
    convoked_claim, manager
):
    Claim.objects.filter(pk=convoked_claim.pk).update(copies_declared=3)
    with pytest.raises(ValidationError, match="validé par l'intervenant"):
        claim_approve(claim=convoked_claim, by=manager)
