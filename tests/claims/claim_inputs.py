"""Plain claim inputs for the amount tests (claims.amounts dataclasses)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claims.amounts import ClaimInput, ServiceInput, TripInput
from claims.rate_book import RateBook

D = Decimal
DAY = date(2027, 6, 15)


def book(tables, zone="mainland", currency="EUR") -> RateBook:
    return RateBook(tables=tables, zone=zone, currency=currency)


def diploma(basis, day=DAY, copy_level="5", hour_level="3", **quantities):
    return ServiceInput(
        basis=basis,
        scheme="diploma",
        day=day,
        copy_level=copy_level,
        hour_level=hour_level,
        **quantities,
    )


def competition(basis, category, **quantities):
    return ServiceInput(
        basis=basis, scheme="competition", day=DAY, category=category, **quantities
    )


NOTHING = ServiceInput(basis="unpaid", scheme="diploma", day=DAY)


def car(km, hp, day=DAY):
    return TripInput(date=day, mode="car", fiscal_horsepower=hp, kilometres=km)


def travel(*, trips=(), meals=(), nights=(), prior_km=None):
    return ClaimInput(
        service=NOTHING,
        trips=trips,
        meals=meals,
        nights=nights,
        prior_km=prior_km or {},
    )


def work(service):
    return ClaimInput(service=service)
