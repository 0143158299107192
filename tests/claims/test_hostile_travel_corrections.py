"""No input a browser can send breaks the division's correction of travel
lines (issue 21): no 5xx; a refused form shows what was typed again and
leaves the lines as they were; a row for a line the claim does not have
changes nothing. Run them on PostgreSQL too: it refuses NUL bytes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Claim, Meal, Trip
from tests import factories
from tests.claims.entry_helpers import page_text
from tests.claims.test_hostile_decisions import rolled_back
from tests.claims.travel_correction_helpers import (
    DECISION,
    car_trip,
    decision_url,
    row_data,
    travel_claim,
)
from tests.hostile import (
    assert_no_server_error,
    assert_shown_again,
    hostile_number_text,
    hostile_text,
    junk_fields,
)

hostile = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# A trip's fields with what a browser may send in them; those shown again
# as typed when the form is refused (a select shows its options instead).
TRIP_FIELDS = {
    "date": st.one_of(st.dates().map(lambda day: day.isoformat()), hostile_text(30)),
    "origin": hostile_text(200),
    "destination": hostile_text(60),
    "mode": st.one_of(st.sampled_from(["car", "public_transport", ""]), hostile_text()),
    "fiscal_horsepower": hostile_number_text(),
    "kilometres": hostile_number_text(),
    "fare": hostile_number_text(),
}
SHOWN_AGAIN = ("origin", "destination", "fiscal_horsepower", "kilometres", "fare")


@pytest.fixture(autouse=True)
def with_travel(settings):
    settings.TRAVEL_ENABLED = True


@pytest.fixture
def claim(participant, manager) -> Claim:
    return travel_claim(
        participant,
        manager,
        trips=lambda day: [car_trip(day)],
        meals=lambda day: [{"date": day, "kind": "lunch"}],
    )


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def lines(claim: Claim) -> tuple:
    trips = Trip.objects.filter(claim=claim).order_by("pk").values_list()
    meals = Meal.objects.filter(claim=claim).order_by("pk").values_list()
    version = Claim.objects.values_list("version", flat=True).get(pk=claim.pk)
    return (list(trips), list(meals), version)


@hostile
@given(
    data=st.data(),
    retained=st.booleans(),
    meal_kind=st.one_of(st.sampled_from(["lunch", "dinner"]), hostile_text(20)),
    reason=hostile_text(),
    junk=junk_fields(),
)
def test_no_travel_correction_gives_a_server_error_or_a_silent_change(
    as_manager, claim, data, retained, meal_kind, reason, junk
):
    trip = claim.trips.get()
    meal = claim.meals.get()
    typed = {
        name: data.draw(strategy, label=name) for name, strategy in TRIP_FIELDS.items()
    }
    payload = {
        **junk,
        **row_data(claim, **{f"meal-{meal.pk}-kind": meal_kind}),
        f"{DECISION}-reason": reason,
    }
    for name, value in typed.items():
        payload[f"{DECISION}-trip-{trip.pk}-{name}"] = value
    if not retained:
        payload.pop(f"{DECISION}-trip-{trip.pk}-retained")
    before = lines(claim)
    with rolled_back():
        response = as_manager.post(decision_url(claim), payload)
        assert_no_server_error(response)
        if response.status_code == 302:
            assert lines(claim) != before
        else:
            assert response.status_code in (400, 409)
            assert lines(claim) == before
            for name in SHOWN_AGAIN:
                assert_shown_again(response, typed[name])
            assert_shown_again(response, reason)
    assert lines(claim) == before


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("kilometres", "-3", "supérieure ou égale à 0"),
        ("kilometres", "1e9", "nombre entier"),
        ("fiscal_horsepower", "0", "supérieure ou égale à 1"),
        ("origin", "Rouen\x00", "caractère invisible"),
        ("date", "2027-02-30", "date valide"),
    ],
)
def test_odd_values_are_refused_next_to_their_field(
    as_manager, claim, field, typed, message
):
    trip = claim.trips.get()
    payload = row_data(claim, **{f"trip-{trip.pk}-{field}": typed})
    payload[f"{DECISION}-reason"] = "Vérifié"
    before = lines(claim)
    response = as_manager.post(decision_url(claim), payload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert lines(claim) == before


def test_a_row_for_someone_else_s_line_is_ignored(as_manager, claim, manager):
    other = travel_claim(factories.UserFactory(), manager)
    foreign = other.trips.get()
    payload = row_data(claim)
    payload[f"{DECISION}-trip-{foreign.pk}-kilometres"] = "1"
    payload[f"{DECISION}-reason"] = "Essai"
    before, theirs = lines(claim), lines(other)
    response = as_manager.post(decision_url(claim), payload)
    assert response.status_code == 409  # nothing changed on this claim
    assert "Rien n'a changé" in page_text(response)
    assert (lines(claim), lines(other)) == (before, theirs)
