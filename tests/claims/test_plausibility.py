"""Plausibility points (claims.plausibility): each one on a hand-built claim,
none on a normal claim, stored at submission and after a correction, the
queue's « Points à vérifier » filter and the review page."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import plausibility, services
from claims.admin.plausibility import review_flags
from claims.models import Claim, ClaimStatus, Meal, Night, Trip
from tests import factories
from tests.claims.review_helpers import claim_in, submitted

QUEUE = reverse("admin:claims_claim_changelist")
DAY = datetime.date(2026, 6, 15)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def hand_built(start=None, end=None, planned=50, **fields) -> Claim:
    """A claim with a travel part, on a mission of 15 June 8:00–17:00 unless told."""
    mission = factories.MissionFactory(
        starts_at=start or at(DAY, 8),
        ends_at=end or at(DAY, 17),
        planned_volume=planned,
    )
    assignment = factories.AssignmentFactory(mission=mission)
    fields.setdefault("copies_declared", 40)
    return Claim.objects.create(assignment=assignment, has_travel_part=True, **fields)


def trip(claim, day=DAY, origin="Lyon", destination="Grenoble", **fields) -> Trip:
    fields.setdefault("mode", Trip.Mode.CAR)
    fields.setdefault("kilometres", 110)
    return Trip.objects.create(
        claim=claim, date=day, origin=origin, destination=destination, **fields
    )


def found(claim, median_total=None, total=None) -> list[tuple[str, str]]:
    return [
        (flag.code, flag.explanation)
        for flag in plausibility.flags(
            claim,
            mission_days=plausibility.mission_days(claim.assignment.mission),
            median_total=median_total,
            total=total,
        )
    ]


def codes(claim, **kwargs) -> list[str]:
    return [code for code, _ in found(claim, **kwargs)]


@pytest.mark.django_db
def test_a_normal_claim_has_no_point_to_check():
    claim = hand_built()
    trip(claim)
    trip(claim, origin="Grenoble", destination="Lyon")  # the way back
    Meal.objects.create(claim=claim, date=DAY, kind=Meal.Kind.LUNCH)
    assert found(claim, median_total=D("100"), total=D("150")) == []


@pytest.mark.django_db
def test_copies_or_candidates_above_the_planned_volume():
    claim = hand_built(planned=40, copies_declared=58)
    assert found(claim) == [
        ("volume", "58 copies déclarées pour un volume prévu de 40")
    ]
    claim.copies_validated = 40  # a manager's correction clears it
    assert found(claim) == []
    claim = hand_built(planned=10, copies_declared=None, candidates_declared=12)
    assert found(claim) == [
        ("volume", "12 candidats déclarés pour un volume prévu de 10")
    ]


@pytest.mark.django_db
def test_the_same_trip_declared_twice_by_car_and_by_train():
    claim = hand_built()
    trip(claim)
    trip(claim, mode=Trip.Mode.PUBLIC_TRANSPORT, kilometres=None, fare=D("14.50"))
    assert found(claim) == [
        ("duplicate_trip", "Le même trajet semble déclaré deux fois le 15/06/2026.")
    ]


@pytest.mark.django_db
def test_the_same_distance_twice_without_a_route():
    claim = hand_built()
    trip(claim, origin="", destination="")
    trip(claim, origin="", destination="")
    assert codes(claim) == ["duplicate_trip"]
    claim = hand_built()
    trip(claim, origin="", destination="", kilometres=30)
    trip(claim, origin="", destination="", kilometres=45)
    assert codes(claim) == []


@pytest.mark.django_db
def test_travel_on_a_day_without_mission():
    claim = hand_built()
    trip(claim, day=DAY - datetime.timedelta(days=1))  # the day before: fine
    Night.objects.create(claim=claim, date=DAY - datetime.timedelta(days=1))
    assert found(claim) == []
    trip(claim, day=DAY - datetime.timedelta(days=2))
    Meal.objects.create(claim=claim, date=DAY + datetime.timedelta(days=1))
    assert found(claim) == [
        ("off_day", "Trajet du 13/06/2026, un jour sans mission."),
        ("off_day", "Repas du 16/06/2026, un jour sans mission."),
    ]


@pytest.mark.django_db
def test_a_lunch_outside_the_midday_break():
    claim = hand_built(start=at(DAY, 8), end=at(DAY, 11))
    Meal.objects.create(claim=claim, date=DAY, kind=Meal.Kind.LUNCH)
    assert found(claim) == [
        (
            "schedule",
            "Déjeuner du 15/06/2026 : la mission se déroule ce jour-là "
            "de 08:00 à 11:00, hors de la pause de midi.",
        )
    ]
    afternoon = hand_built(start=at(DAY, 15), end=at(DAY, 19))
    Meal.objects.create(claim=afternoon, date=DAY, kind=Meal.Kind.LUNCH)
    assert codes(afternoon) == ["schedule"]


@pytest.mark.django_db
def test_a_dinner_or_night_when_the_mission_ends_early_and_not_the_next_day():
    claim = hand_built(start=at(DAY, 8), end=at(DAY, 16))
    Meal.objects.create(claim=claim, date=DAY, kind=Meal.Kind.DINNER)
    Night.objects.create(claim=claim, date=DAY)
    assert found(claim) == [
        (
            "schedule",
            "Dîner du 15/06/2026 : la mission se termine à 16:00 "
            "et ne reprend pas le lendemain.",
        ),
        (
            "schedule",
            "Nuitée du 15/06/2026 : la mission se termine à 16:00 "
            "et ne reprend pas le lendemain.",
        ),
    ]
    # Over two days: the night between them is justified.
    two_days = hand_built(
        start=at(DAY, 8), end=at(DAY + datetime.timedelta(days=1), 16)
    )
    Meal.objects.create(claim=two_days, date=DAY, kind=Meal.Kind.DINNER)
    Night.objects.create(claim=two_days, date=DAY)
    assert found(two_days) == []


@pytest.mark.django_db
def test_an_amount_far_from_the_median_of_the_mission():
    claim = hand_built()
    assert codes(claim, median_total=D("100"), total=D("201")) == ["amount"]
    assert codes(claim, median_total=D("100"), total=D("49")) == ["amount"]
    assert codes(claim, median_total=D("100"), total=D("200")) == []
    assert codes(claim, median_total=None, total=D("900")) == []
    assert found(claim, median_total=D("100"), total=D("300"))[0][1] == (
        "Montant de 300,00\xa0€, loin de la médiane des autres états de frais "
        "de la mission (100,00\xa0€)."
    )


@pytest.fixture
def per_copy_mission(db):
    return factories.MissionFactory(planned_volume=1000)


def _submitted_on(mission, manager, copies):
    participant = factories.UserFactory()
    assignment = factories.AssignmentFactory(participant=participant, mission=mission)
    claim = services.convocation_issue(assignment=assignment, by=manager)
    return submitted(claim, participant, copies)


@pytest.mark.usefixtures("without_travel")
def test_the_median_counts_three_other_submitted_claims_at_review(
    per_copy_mission, manager
):
    claim = _submitted_on(per_copy_mission, manager, 200)
    others = [_submitted_on(per_copy_mission, manager, 40) for _ in range(2)]
    total = services.review.selectors.claim_amounts(claim).total
    assert review_flags(claim, total) == []  # only two others
    others.append(_submitted_on(per_copy_mission, manager, 40))
    assert [flag.code for flag in review_flags(claim, total)] == ["amount"]
    assert review_flags(others[0], D("1")) != []
    # Never stored: the median changes with the others.
    claim.refresh_from_db()
    assert claim.plausibility_codes == ""


@pytest.mark.usefixtures("without_travel")
def test_stored_at_submission_and_recomputed_after_a_correction(participant, manager):
    claim = claim_in(ClaimStatus.DRAFT, participant, manager, planned_volume=40)
    claim = submitted(claim, participant, copies=58)
    claim.refresh_from_db()
    assert claim.plausibility_codes == ",volume,"
    assert claim.status == ClaimStatus.SUBMITTED
    services.claim_correct(
        claim=claim, by=manager, quantities={"copies_validated": 40}, reason="Vu."
    )
    claim.refresh_from_db()
    assert claim.plausibility_codes == ""


@pytest.mark.usefixtures("without_travel")
def test_the_review_page_explains_each_point(client, participant, manager):
    claim = claim_in(ClaimStatus.DRAFT, participant, manager, planned_volume=40)
    claim = submitted(claim, participant, copies=58)
    client.force_login(manager)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "À vérifier" in text
    assert "58 copies déclarées pour un volume prévu de 40" in text
    other = submitted(claim_in(ClaimStatus.DRAFT, participant, manager), participant)
    page = client.get(reverse("admin:claims_claim_change", args=[other.pk]))
    assert "points-a-verifier" not in page.content.decode()


def _queue(client, query: str) -> set[int]:
    page = client.get(QUEUE + query)
    assert page.status_code == 200
    return {claim.pk for claim in page.context["cl"].result_list}


@pytest.mark.usefixtures("without_travel")
def test_the_queue_filters_on_the_stored_points(client, participant, manager):
    plain, volume, both = (
        claim_in(ClaimStatus.SUBMITTED, participant, manager) for _ in range(3)
    )
    Claim.objects.filter(pk=volume.pk).update(plausibility_codes=",volume,")
    Claim.objects.filter(pk=both.pk).update(plausibility_codes=",off_day,schedule,")
    client.force_login(manager)
    assert _queue(client, "") >= {plain.pk, volume.pk, both.pk}
    assert _queue(client, "?a_verifier=tous") == {volume.pk, both.pk}
    assert _queue(client, "?a_verifier=volume") == {volume.pk}
    assert _queue(client, "?a_verifier=schedule") == {both.pk}
    assert _queue(client, "?a_verifier=duplicate_trip") == set()
    page = client.get(QUEUE)
    assert "points à vérifier" in page.content.decode()


@pytest.mark.usefixtures("without_travel")
def test_the_filtered_queue_costs_the_same_queries_for_1_or_5_claims(
    client, participant, manager
):
    client.force_login(manager)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE + "?a_verifier=volume").status_code == 200
        return len(queries)

    def flagged():
        claim = claim_in(ClaimStatus.SUBMITTED, factories.UserFactory(), manager)
        Claim.objects.filter(pk=claim.pk).update(plausibility_codes=",volume,")

    flagged()
    measure()  # the first request fills the caches (rate tables, session)
    one = measure()
    for _ in range(4):
        flagged()
    assert measure() == one
