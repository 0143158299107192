"""Properties of the amount arithmetic, over random claims (Hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims import amounts
from claims.amounts import ClaimInput, MealInput, NightInput, TripInput
from tests.claims.claim_inputs import (
    D,
    book,
    car,
    competition,
    diploma,
    travel,
    work,
)

quantities = st.integers(min_value=0, max_value=5000)
quarter_hours = st.integers(min_value=0, max_value=400).map(lambda q: D(q) / 4)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
kilometres = st.integers(min_value=0, max_value=3000)
horsepower = st.integers(min_value=1, max_value=20)
zone_currency = st.sampled_from(
    [("mainland", "EUR"), ("pacific", "XPF"), ("wallis", "XPF"), ("pacific", "EUR")]
)
services = st.one_of(
    st.builds(
        lambda level, copies, day: diploma(
            "per_copy", day=day, copy_level=level, copies=copies
        ),
        st.sampled_from("12345"),
        quantities,
        days,
    ),
    st.builds(
        lambda level, hours, optional: replace(
            diploma("per_hour", hour_level=level, hours=hours), optional_oral=optional
        ),
        st.sampled_from("1234"),
        quarter_hours,
        st.booleans(),
    ),
    st.builds(
        lambda level, n, minutes, optional: replace(
            diploma(
                "per_candidate",
                hour_level=level,
                candidates=n,
                minutes_per_candidate=minutes,
            ),
            optional_oral=optional,
        ),
        st.sampled_from("1234"),
        quantities,
        st.integers(min_value=1, max_value=120),
        st.booleans(),
    ),
    st.builds(
        lambda level, n, coefficient: diploma(
            "per_application",
            hour_level=level,
            candidates=n,
            vae_coefficient=coefficient,
        ),
        st.sampled_from("1234"),
        quantities,
        st.decimals(min_value="0.5", max_value=3, places=2),
    ),
    st.builds(
        lambda category, basis, n: competition(basis, category, copies=n, hours=D(n)),
        st.sampled_from(["A1", "A2", "B", "C"]),
        st.sampled_from(["per_copy", "per_hour", "flat"]),
        quantities,
    ),
)
trips = st.lists(
    st.one_of(
        st.builds(car, kilometres, horsepower, days),
        st.builds(
            lambda fare, day: TripInput(day, "public_transport", fare=fare),
            st.decimals(min_value=0, max_value=2000, places=2),
            days,
        ),
    ),
    max_size=6,
)
meals = st.lists(
    st.builds(MealInput, days, st.sampled_from(["lunch", "dinner"]), st.booleans()),
    max_size=6,
)
nights = st.lists(
    st.builds(NightInput, days, st.sampled_from(["standard", "large_city", "paris"])),
    max_size=4,
)
prior = st.dictionaries(st.integers(2020, 2030), st.integers(0, 30000), max_size=3)


# The rate tables are read from the test database (see the `tables` fixture).
pytestmark = pytest.mark.django_db


@settings(max_examples=150, deadline=None)
@given(
    service=services,
    trips=trips,
    meals=meals,
    nights=nights,
    prior_km=prior,
    place=zone_currency,
)
def test_no_line_and_no_total_is_ever_negative(
    tables, service, trips, meals, nights, prior_km, place
):
    claim = ClaimInput(service, trips, meals, nights, prior_km)
    result = amounts.compute(claim, book(tables, *place))
    assert all(line.amount >= 0 for line in result.lines)
    assert result.total >= 0
    lines_sum = sum((line.amount for line in result.lines), D(0))
    assert result.total == result.remuneration + result.travel
    if place[1] == "EUR":
        assert result.total == lines_sum
    else:
        # Lines keep their centimes; remuneration and travel are each rounded
        # to the franc once: at most half a franc apart each.
        assert result.total == result.total.to_integral_value()
        assert abs(result.total - lines_sum) <= 1


@settings(max_examples=150, deadline=None)
@given(
    service=services, extra=st.integers(min_value=1, max_value=500), place=zone_currency
)
def test_more_work_never_pays_less(tables, service, extra, place):
    more = replace(
        service,
        copies=None if service.copies is None else service.copies + extra,
        candidates=None if service.candidates is None else service.candidates + extra,
        hours=None if service.hours is None else service.hours + D(extra) / 4,
    )
    rate_book = book(tables, *place)
    before = amounts.compute(work(service), rate_book)
    after = amounts.compute(work(more), rate_book)
    assert after.total >= before.total


@settings(max_examples=150, deadline=None)
@given(
    km=kilometres,
    extra=st.integers(min_value=1, max_value=3000),
    hp=horsepower,
    day=days,
    already=st.integers(0, 30000),
    place=zone_currency,
)
def test_a_longer_trip_never_pays_less(tables, km, extra, hp, day, already, place):
    rate_book = book(tables, *place)
    prior_km = {day.year: already}
    shorter = amounts.compute(
        travel(trips=[car(km, hp, day)], prior_km=prior_km), rate_book
    )
    longer = amounts.compute(
        travel(trips=[car(km + extra, hp, day)], prior_km=prior_km), rate_book
    )
    assert longer.total >= shorter.total


@given(already=st.integers(0, 50000), distance=st.integers(0, 20000))
def test_a_band_split_always_sums_to_the_distance(already, distance):
    parts = amounts.split_distance(already, distance)
    assert sum(km for _band, km in parts) == distance
    assert all(km > 0 for _band, km in parts)
    bands = [band for band, _km in parts]
    assert bands == sorted(bands) and len(set(bands)) == len(bands)
