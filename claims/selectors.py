"""Reads for claims: the rate book, and a claim's amounts (live or frozen).

The arithmetic lives in `claims.amounts`; this module only gathers its
inputs from the database, in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from claims import amounts
from claims.models import Claim, ClaimStatus, RateTable, Trip
from claims.rate_book import RateBook, TableSnapshot

# Claims whose car kilometres count in the participant's yearly total: the
# ones declared final or paid (ARCHITECTURE.md, interpretations).
KILOMETRES_COUNTED = frozenset(
    {
        ClaimStatus.SUBMITTED,
        ClaimStatus.APPROVED,
        ClaimStatus.IN_PAYMENT,
        ClaimStatus.PAID,
    }
)
CLAIM_RELATED = (
    "assignment__participant",
    "assignment__mission__mission_type",
    "assignment__mission__exam",
    "assignment__mission__epreuve__exam",
)


def rate_book(currency: str | None = None) -> RateBook:
    """Every rate table as plain data (two queries)."""
    tables = tuple(
        TableSnapshot(
            kind=table.kind,
            zone=table.zone,
            currency=table.currency,
            valid_from=table.valid_from,
            valid_until=table.valid_until,
            rates={rate.key: rate.amount for rate in table.rates.all()},
            reference=table.reference,
        )
        for table in RateTable.objects.prefetch_related("rates")
    )
    return RateBook(
        tables=tables,
        zone=settings.TRAVEL_RATE_ZONE,
        currency=currency or settings.CURRENCY,
    )


def service_input(claim: Claim) -> amounts.ServiceInput:
    """The jury work of a claim; validated quantities win over declared ones."""
    mission = claim.assignment.mission
    exam = mission.exam
    epreuve = mission.epreuve

    def chosen(validated, declared):
        return declared if validated is None else validated

    return amounts.ServiceInput(
        basis=mission.mission_type.payment_basis,
        scheme=exam.kind,
        day=timezone.localdate(mission.starts_at),
        copies=chosen(claim.copies_validated, claim.copies_declared),
        candidates=chosen(claim.candidates_validated, claim.candidates_declared),
        hours=chosen(claim.hours_validated, claim.hours_declared),
        copy_level=epreuve.effective_copy_rate_level
        if epreuve
        else exam.copy_rate_level,
        hour_level=epreuve.effective_hour_rate_level
        if epreuve
        else exam.hour_rate_level,
        category=claim.assignment.participant.corps_category,
        optional_oral=bool(epreuve and epreuve.optional),
        manager_amount=claim.manager_amount,
    )


def prior_kilometres(claim: Claim, trips: list[Trip]) -> dict[int, int]:
    """Car kilometres of the participant's other counted claims, per year,
    made before this claim's first trip of that year (ties: older claim first)."""
    first_trip: dict[int, tuple] = {}
    for trip in trips:
        if trip.mode == Trip.Mode.CAR and trip.date is not None:
            key = (trip.date, claim.pk)
            year = trip.date.year
            first_trip[year] = min(first_trip.get(year, key), key)
    if not first_trip:
        return {}
    others = (
        Trip.objects.filter(
            claim__assignment__participant_id=claim.assignment.participant_id,
            claim__status__in=KILOMETRES_COUNTED,
            mode=Trip.Mode.CAR,
            date__year__in=list(first_trip),
            kilometres__isnull=False,
        )
        .exclude(claim_id=claim.pk)
        .values_list("date", "claim_id", "kilometres")
    )
    travelled: dict[int, int] = defaultdict(int)
    for day, claim_id, km in others:
        if (day, claim_id) < first_trip[day.year]:
            travelled[day.year] += km
    return dict(travelled)


def claim_input(claim: Claim) -> amounts.ClaimInput:
    trips = list(claim.trips.all()) if claim.has_travel_part else []
    meals = list(claim.meals.all()) if claim.has_travel_part else []
    nights = list(claim.nights.all()) if claim.has_travel_part else []
    return amounts.ClaimInput(
        service=service_input(claim),
        trips=[
            amounts.TripInput(
                date=trip.date,
                mode=trip.mode,
                fiscal_horsepower=trip.fiscal_horsepower,
                kilometres=trip.kilometres,
                fare=trip.fare,
                label=" → ".join(p for p in (trip.origin, trip.destination) if p),
            )
            for trip in trips
        ],
        meals=[
            amounts.MealInput(meal.date, meal.kind, meal.administrative_restaurant)
            for meal in meals
        ],
        nights=[amounts.NightInput(night.date, night.zone) for night in nights],
        prior_km=prior_kilometres(claim, trips),
    )


def frozen_amounts(claim: Claim) -> amounts.Amounts:
    """The lines written when a manager validated the claim, as they were."""
    return amounts.Amounts(
        currency=claim.currency,
        lines=tuple(
            amounts.Line(
                line.kind,
                line.label,
                line.date,
                line.quantity,
                line.unit_rate,
                line.amount,
            )
            for line in claim.lines.all()
        ),
    )


def claim_amounts(claim: Claim, book: RateBook | None = None) -> amounts.Amounts:
    """What the claim is worth: frozen once validated by a manager, else live.

    Pass a `book` (from `rate_book`) when pricing several claims, so the rate
    tables are read once.
    """
    if claim.is_priced:
        return frozen_amounts(claim)
    if book is None or book.currency != claim.currency:
        book = rate_book(claim.currency)
    return amounts.compute(claim_input(claim), book)


def claim_for_pricing(pk: int) -> Claim:
    """A claim with everything `claim_amounts` reads, in one round of queries."""
    return (
        Claim.objects.select_related(*CLAIM_RELATED)
        .prefetch_related("trips", "meals", "nights", "lines")
        .get(pk=pk)
    )
