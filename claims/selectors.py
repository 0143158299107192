"""Reads for claims: the rate book, and a claim's amounts (live or frozen).

The arithmetic lives in `claims.amounts`; this module only gathers its
inputs from the database, in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from claims import amounts, flow, travel_corrections
from claims.models import EDITABLE_BY_PARTICIPANT, Claim, ClaimStatus, RateTable, Trip
from claims.money import product_text
from claims.rate_book import RateBook, TableSnapshot, shared_tables
from missions.models import Mission, MissionType

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
    """Every rate table as plain data, in `currency` (the deployment's by default).

    The tables are read (two queries) once per process and per version of
    them; otherwise they cost the read of the shared version (one query with
    the database cache): `claims.rate_book.shared_tables`. The zone and the
    currency are not kept with them, so settings changed later still apply.
    """

    def read() -> tuple[TableSnapshot, ...]:
        return tuple(
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
        tables=shared_tables(read),
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
        oral_epreuve=bool(epreuve and epreuve.form != epreuve.Form.WRITTEN),
        minutes_per_candidate=epreuve.minutes_per_candidate if epreuve else None,
        vae_coefficient=exam.vae_coefficient,
    )


def counted_car_trips(participant_id: int) -> list[tuple]:
    """(date, claim id, km) of the participant's car trips that count in
    their yearly distance (one query)."""
    return list(
        Trip.objects.filter(
            claim__assignment__participant_id=participant_id,
            claim__status__in=KILOMETRES_COUNTED,
            mode=Trip.Mode.CAR,
            retained=True,
            date__isnull=False,
            kilometres__isnull=False,
        ).values_list("date", "claim_id", "kilometres")
    )


def counted_car_trips_by_participant(participant_ids) -> dict[int, list[tuple]]:
    """`counted_car_trips` of many participants at once (one query)."""
    counted: dict[int, list[tuple]] = defaultdict(list)
    for participant_id, *trip in Trip.objects.filter(
        claim__assignment__participant_id__in=set(participant_ids),
        claim__status__in=KILOMETRES_COUNTED,
        mode=Trip.Mode.CAR,
        retained=True,
        date__isnull=False,
        kilometres__isnull=False,
    ).values_list(
        "claim__assignment__participant_id", "date", "claim_id", "kilometres"
    ):
        counted[participant_id].append(tuple(trip))
    return counted


def prior_kilometres(
    claim: Claim, trips: list[Trip], counted: list[tuple] | None = None
) -> dict[int, int]:
    """Car kilometres of the participant's other counted claims, per year,
    made before this claim's first trip of that year (ties: older claim first).

    `counted` (from `counted_car_trips`) spares the query when pricing many
    claims of one participant.
    """
    first_trip: dict[int, tuple] = {}
    for trip in trips:
        if trip.mode == Trip.Mode.CAR and trip.date is not None:
            key = (trip.date, claim.pk)
            year = trip.date.year
            first_trip[year] = min(first_trip.get(year, key), key)
    if not first_trip:
        return {}
    if counted is None:
        counted = counted_car_trips(claim.assignment.participant_id)
    travelled: dict[int, int] = defaultdict(int)
    for day, claim_id, km in counted:
        if (
            claim_id != claim.pk
            and day.year in first_trip
            and (day, claim_id) < first_trip[day.year]
        ):
            travelled[day.year] += km
    return dict(travelled)


def claim_input(claim: Claim, counted: list[tuple] | None = None) -> amounts.ClaimInput:
    trips = list(claim.trips.all()) if claim.has_travel_part else []
    meals = list(claim.meals.all()) if claim.has_travel_part else []
    nights = list(claim.nights.all()) if claim.has_travel_part else []
    # What the division corrected, in words (in the language of the caller).
    said = travel_corrections.correction_words
    currency = claim.currency
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
                retained=trip.retained,
                correction=said(trip, currency),
            )
            for trip in trips
        ],
        meals=[
            amounts.MealInput(
                meal.date,
                meal.kind,
                meal.administrative_restaurant,
                meal.retained,
                said(meal, currency),
            )
            for meal in meals
        ],
        nights=[
            amounts.NightInput(
                night.date, night.zone, night.retained, said(night, currency)
            )
            for night in nights
        ],
        prior_km=prior_kilometres(claim, [t for t in trips if t.retained], counted),
    )


def frozen_amounts(claim: Claim) -> amounts.Amounts:
    """The lines written when a manager validated the claim, as they were,
    each with its computation in words as frozen (`ClaimLine.explanation`:
    the detail written at validation, or quantity × rate on older lines)."""
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
                currency=claim.currency,
                detail=line.detail
                or product_text(
                    line.quantity, line.unit_rate, line.amount, claim.currency
                ),
            )
            for line in claim.lines.all()
        ),
    )


def claim_amounts(
    claim: Claim, book: RateBook | None = None, counted: list[tuple] | None = None
) -> amounts.Amounts:
    """What the claim is worth: frozen once validated by a manager, else live.

    Pass a `book` (from `rate_book`) when pricing several claims, so the rate
    tables are read once.
    """
    if claim.is_priced:
        return frozen_amounts(claim)
    if book is None or book.currency != claim.currency:
        book = rate_book(claim.currency)
    return amounts.compute(claim_input(claim, counted), book)


def amounts_of(claims: list[Claim]) -> dict[int, amounts.Amounts]:
    """Each claim's amounts (frozen, or estimated from what was typed), for a
    page of claims: three queries whatever their number (rate tables, yearly
    kilometres), the claims coming with `CLAIM_RELATED` and their trips,
    meals, nights and lines prefetched."""
    if not claims:
        return {}
    book = rate_book()
    to_price = [claim for claim in claims if not claim.is_priced]
    counted = counted_car_trips_by_participant(
        claim.assignment.participant_id for claim in to_price if claim.has_travel_part
    )
    return {
        claim.pk: claim_amounts(
            claim, book, counted.get(claim.assignment.participant_id, [])
        )
        for claim in claims
    }


def claims_for_pricing() -> QuerySet[Claim]:
    """Claims with what `claim_amounts` reads of their mission and people.

    Trips, meals, nights and lines are read when needed (a claim without a
    travel part reads none): one claim at a time, that is fewer queries than
    prefetching them; pages listing claims prefetch them instead.
    """
    return Claim.objects.select_related(*CLAIM_RELATED)


# ------------------------------------------------------- the back-office

# What the claims queue and the review page show of a claim, beyond pricing.
REVIEW_RELATED = (
    *CLAIM_RELATED,
    "assignment__mission__exam__session",
    "assignment__mission__centre__commune",
    "payment_batch",
)


def claim_for_review(pk: int) -> Claim:
    """A claim with all its review page shows (Claim.DoesNotExist if none)."""
    return (
        Claim.objects.select_related(
            *REVIEW_RELATED, "assignment__participant__financial_file"
        )
        .prefetch_related("trips", "meals", "nights", "lines", "documents")
        .get(pk=pk)
    )


def ready_to_validate() -> Q:
    """Claims a manager can validate now: validated by their participant; or,
    when the participant has nothing to type (no quantity, no travel), once
    the mission has started and, for a manager-entered one, its amount is
    entered (drafts or sent back)."""
    basis = MissionType.PaymentBasis
    mission = "assignment__mission__"
    nothing_to_type = Q(has_travel_part=False) & ~Q(
        **{f"{mission}mission_type__payment_basis__in": list(flow.SERVICE_FIELDS)}
    )
    amount_known = ~Q(
        **{f"{mission}mission_type__payment_basis": basis.MANAGER_ENTERED}
    ) | Q(manager_amount__isnull=False)
    return Q(status=ClaimStatus.SUBMITTED) | (
        Q(status__in=EDITABLE_BY_PARTICIPANT)
        & nothing_to_type
        & amount_known
        & Q(**{f"{mission}starts_at__lte": timezone.now()})
        & ~Q(**{f"{mission}mission_type__payment_basis": basis.UNPAID})
    )


def awaiting_decision() -> Q:
    """What the division has to decide on: claims ready to validate, and
    missions declared not performed, to close."""
    return ready_to_validate() | Q(status=ClaimStatus.NOT_PERFORMED)


def next_to_review(by, after: Claim | None = None) -> Claim | None:
    """The claim waiting longest for a decision that `by` may take (not their
    own), other than `after`."""
    claims = Claim.objects.filter(awaiting_decision()).exclude(
        assignment__participant=by
    )
    if after is not None:
        claims = claims.exclude(pk=after.pk)
    return claims.order_by(WAITING_ORDER, "pk").first()


# Oldest waiting first: validated by the participant longest ago, then the
# claims without a submission (the division's own), by mission date.
WAITING_ORDER = F("submitted_at").asc(nulls_last=True)


# ------------------------------------------------ the participant's claims


ENTRY_RELATED = (  # what the entry rules, the steps and the amounts read
    *CLAIM_RELATED,
    "assignment__mission__exam__session",
    "assignment__mission__centre__commune",
)


def claims_for_entry() -> QuerySet[Claim]:
    """Claims with all that the entry rules, the steps and the amounts read."""
    claims = Claim.objects.select_related(*ENTRY_RELATED)
    return claims.prefetch_related("trips", "meals", "nights", "lines")


# The participant's pages read a claim's mission apart from the claim: one
# join of ten tables cost PostgreSQL 3 to 8 ms to plan at each page, joins of
# three and seven less than 1 ms together (the list names no commune).
MISSION_LISTED = ("mission_type", "exam__session", "epreuve", "centre")
MISSION_SHOWN = (*MISSION_LISTED, "centre__commune")


def with_missions(
    claims: list[Claim], user, related: tuple[str, ...] = MISSION_SHOWN
) -> list[Claim]:
    """The user's own `claims` (with their assignment) given their missions
    (one query) and their participant, `user`."""
    missions = (
        Mission.objects.select_related(*related)
        .order_by()  # looked up by id: no sort to pay for
        .in_bulk({claim.assignment.mission_id for claim in claims})
    )
    for claim in claims:
        mission = missions[claim.assignment.mission_id]
        if mission.epreuve is not None and mission.epreuve.exam_id == mission.exam_id:
            mission.epreuve.exam = mission.exam
        claim.assignment.mission = mission
        claim.assignment.participant = user
    return claims


def with_travel(claims: Iterable[Claim]) -> None:
    """Trips, meals and nights read for the claims with a travel part only."""
    travelling = [claim for claim in claims if claim.has_travel_part]
    if travelling:
        prefetch_related_objects(travelling, "trips", "meals", "nights")


def participant_claims(user, session_id: int | None = None) -> QuerySet[Claim]:
    """The user's claims (of one session if given), newest mission first, with
    their assignment: a page of it is fetched and totalled (`claim_totals`)."""
    queryset = Claim.objects.select_related("assignment").filter(
        assignment__participant=user
    )
    if session_id:
        queryset = queryset.filter(assignment__mission__exam__session_id=session_id)
    return queryset.order_by("-assignment__mission__starts_at", "-pk")


@dataclass(frozen=True)
class ClaimTotal:
    """A listed claim's total: None when it cannot be estimated yet."""

    claim: Claim
    total: Decimal | None
    estimated: bool


def claim_totals(user, claims: Iterable[Claim]) -> list[ClaimTotal]:
    """Each of `claims` (a page of `participant_claims`) with its total, in a
    fixed number of queries: a validated claim's as frozen on it (the sum of
    the lines the same validation wrote, not read); the others' priced from
    what was typed, travel rows read for those with a travel part only."""
    claims = with_missions(list(claims), user, MISSION_LISTED)
    to_price = [claim for claim in claims if not claim.is_priced]
    with_travel(to_price)
    book = rate_book() if to_price else None
    travelling = any(claim.has_travel_part for claim in to_price)
    counted = counted_car_trips(user.pk) if travelling else []
    rows = []
    for claim in claims:
        if claim.is_priced:
            rows.append(ClaimTotal(claim, claim.total_amount, estimated=False))
        else:
            estimate = claim_amounts(claim, book, counted)
            total = None if estimate.problems else estimate.total
            rows.append(ClaimTotal(claim, total, estimated=True))
    return rows


@dataclass(frozen=True)
class ParticipantClaim:
    claim: Claim
    amounts: amounts.Amounts


def claims_for_participant(
    user, session_id: int | None = None
) -> list[ParticipantClaim]:
    """All the user's claims (of one session if given), each with its amounts
    and lines, in a fixed number of queries: what the session recap lists."""
    claims = list(
        participant_claims(user, session_id)
        .select_related(*ENTRY_RELATED)
        .prefetch_related("trips", "meals", "nights", "lines")
    )
    if not claims:
        return []
    book, counted = rate_book(), counted_car_trips(user.pk)
    return [
        ParticipantClaim(claim, claim_amounts(claim, book, counted)) for claim in claims
    ]


def claim_for_participant(user, pk: int, *, related: tuple[str, ...] = ()) -> Claim:
    """One of the user's own claims, with its mission, its travel rows if it
    has a travel part, and the `related` rows a page shows ("documents"):
    two to six queries; its lines are read if asked for (a validated claim's
    amounts). Claim.DoesNotExist for anyone else's (the view answers 404)."""
    claim = (
        # The centre head's certificate of service done, shown on the claim.
        Claim.objects.select_related("assignment", "assignment__service_certificate")
        .prefetch_related(*related)
        .get(pk=pk, assignment__participant=user)
    )
    with_missions([claim], user)
    with_travel([claim])
    return claim
