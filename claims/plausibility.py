"""Plausibility checks on a claim: what a manager should look at, never a block.

`flags` is pure: it reads the claim, its mission and its trips, meals and
nights as loaded, and the two facts given by the caller (the mission's days
and the median total of the mission's other claims), and returns the points
to check, each with its explanation in French. Nothing here refuses a claim.

The codes of the flags known without comparing claims are stored on the
claim (`Claim.plausibility_codes`) at submission and after a manager's
correction, so the queue can filter on them. The median flag depends on the
other claims of the mission, which keep changing: it is computed at review
time only and never stored.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.money import format_money

# Codes, stored (except AMOUNT) and offered by the queue's filter.
VOLUME = "volume"
DUPLICATE_TRIP = "duplicate_trip"
OFF_DAY = "off_day"
SCHEDULE = "schedule"
AMOUNT = "amount"

STORED_LABELS = {
    VOLUME: gettext_lazy("Volume déclaré supérieur au volume prévu"),
    DUPLICATE_TRIP: gettext_lazy("Trajet déclaré deux fois"),
    OFF_DAY: gettext_lazy("Frais un jour sans mission"),
    SCHEDULE: gettext_lazy("Repas ou nuitée non justifiés par les horaires"),
}

# The median comparison needs at least this many other claims of the mission.
MEDIAN_MIN_CLAIMS = 3

NOON = datetime.time(12, 0)
TWO_PM = datetime.time(14, 0)
SIX_PM = datetime.time(18, 0)
ONE_DAY = datetime.timedelta(days=1)

# The mission's working hours on each of its local dates.
MissionDays = dict[datetime.date, tuple[datetime.time, datetime.time]]


@dataclass(frozen=True)
class Flag:
    code: str
    explanation: str


def mission_days(mission) -> MissionDays:
    """Each local date of the mission with its working hours that day: from
    the start time on the first day, until the end time on the last one, the
    whole day in between."""
    start = timezone.localtime(mission.starts_at)
    end = timezone.localtime(mission.ends_at)
    days: MissionDays = {}
    day = start.date()
    while day <= end.date():
        days[day] = (
            start.time() if day == start.date() else datetime.time.min,
            end.time() if day == end.date() else datetime.time.max,
        )
        day += ONE_DAY
    return days


def stored_codes(found: list[Flag]) -> str:
    """The codes as stored for the queue's filter: comma-joined and wrapped in
    commas (",volume,schedule,"), so `icontains=",volume,"` matches one code
    exactly on SQLite and PostgreSQL alike (JSON `contains` is not portable)."""
    codes = sorted({flag.code for flag in found if flag.code in STORED_LABELS})
    return f",{','.join(codes)}," if codes else ""


def codes_to_store(claim) -> str:
    """The stored codes of `claim` now (`stored_codes`), without the median
    comparison: that one is computed at review time only, never stored."""
    return stored_codes(
        flags(
            claim,
            mission_days=mission_days(claim.assignment.mission),
            median_total=None,
        )
    )


def flags(
    claim,
    *,
    mission_days: MissionDays,
    median_total: Decimal | None,
    total: Decimal | None = None,
) -> list[Flag]:
    """The points to check on `claim`; `median_total` (of the mission's other
    submitted or validated claims, None when fewer than three) is compared
    with `total`, the claim's own amount, when both are known."""
    found = _volume(claim)
    if claim.has_travel_part:
        # A line the division struck (a leg declared twice) is no longer a
        # point to check.
        trips = [trip for trip in claim.trips.all() if trip.retained]
        meals = [meal for meal in claim.meals.all() if meal.retained]
        nights = [night for night in claim.nights.all() if night.retained]
        found += _duplicate_trips(trips)
        found += _off_days(trips, meals, nights, mission_days)
        found += _schedule(meals, nights, mission_days)
    # Far from the median: more than twice it, or less than half.
    if (
        median_total
        and total is not None
        and (total > 2 * median_total or total * 2 < median_total)
    ):
        found.append(
            Flag(
                AMOUNT,
                _(
                    "Montant de %(total)s, loin de la médiane des autres "
                    "états de frais de la mission (%(median)s)."
                )
                % {
                    "total": format_money(total, claim.currency),
                    "median": format_money(median_total, claim.currency),
                },
            )
        )
    return found


def _volume(claim) -> list[Flag]:
    """Copies or candidates above the planned volume: the validated quantity
    once a manager set it, else the declared one."""
    planned = claim.assignment.mission.planned_volume
    if planned is None:
        return []
    found = []
    for validated, declared, text_validated, text_declared in (
        (
            claim.copies_validated,
            claim.copies_declared,
            _("%(count)s copies retenues pour un volume prévu de %(planned)s"),
            _("%(count)s copies déclarées pour un volume prévu de %(planned)s"),
        ),
        (
            claim.candidates_validated,
            claim.candidates_declared,
            _("%(count)s candidats retenus pour un volume prévu de %(planned)s"),
            _("%(count)s candidats déclarés pour un volume prévu de %(planned)s"),
        ),
    ):
        count = validated if validated is not None else declared
        if count is not None and count > planned:
            text = text_validated if validated is not None else text_declared
            found.append(Flag(VOLUME, text % {"count": count, "planned": planned}))
    return found


def _route(trip) -> tuple[str, str]:
    return (trip.origin.strip().casefold(), trip.destination.strip().casefold())


def _same_trip(a, b) -> bool:
    """Two trips of the same day are the same one when they follow the same
    route (origin → destination, whatever the mode: a return leg declared by
    car and by train), or, without a route typed, when they have the same
    mode and the same distance or the same fare. An outbound and a return
    leg have opposite routes, so a normal round trip is not flagged."""
    if all(_route(a)) and all(_route(b)):
        return _route(a) == _route(b)
    if a.mode != b.mode:
        return False
    return (a.kilometres is not None and a.kilometres == b.kilometres) or (
        a.fare is not None and a.fare == b.fare
    )


def _duplicate_trips(trips) -> list[Flag]:
    dates = set()
    dated = [trip for trip in trips if trip.date is not None]
    for i, a in enumerate(dated):
        for b in dated[i + 1 :]:
            if a.date == b.date and _same_trip(a, b):
                dates.add(a.date)
    return [
        Flag(
            DUPLICATE_TRIP,
            _("Le même trajet semble déclaré deux fois le %(date)s.")
            % {"date": _day(day)},
        )
        for day in sorted(dates)
    ]


def _off_days(trips, meals, nights, days: MissionDays) -> list[Flag]:
    """Travel on a date with no mission: meals on the mission's dates only,
    trips and nights also the day before and the day after (travelling there
    the evening before, back the morning after)."""
    around = set(days) | {d - ONE_DAY for d in days} | {d + ONE_DAY for d in days}
    found = []
    for entries, allowed, text in (
        (trips, around, _("Trajet du %(date)s, un jour sans mission.")),
        (meals, set(days), _("Repas du %(date)s, un jour sans mission.")),
        (nights, around, _("Nuitée du %(date)s, un jour sans mission.")),
    ):
        for day in sorted({e.date for e in entries if e.date is not None}):
            if day not in allowed:
                found.append(Flag(OFF_DAY, text % {"date": _day(day)}))
    return found


def _schedule(meals, nights, days: MissionDays) -> list[Flag]:
    """Meals and nights the mission's hours do not justify, on mission days:
    - a lunch when the mission that day ends before 12:00 or starts after
      14:00 (it does not cover the midday break);
    - a dinner or a night when the mission that day ends before 18:00 and
      there is no mission the next day (the participant can go home)."""
    found = []
    for meal in meals:
        if meal.date not in days:
            continue  # a meal on a day without mission is `_off_days`'
        start, end = days[meal.date]
        if meal.kind == "lunch" and (end < NOON or start > TWO_PM):
            found.append(
                Flag(
                    SCHEDULE,
                    _(
                        "Déjeuner du %(date)s : la mission se déroule ce jour-là "
                        "de %(start)s à %(end)s, hors de la pause de midi."
                    )
                    % {
                        "date": _day(meal.date),
                        "start": _time(start),
                        "end": _time(end),
                    },
                )
            )
        if meal.kind == "dinner" and _goes_home(meal.date, days):
            found.append(
                Flag(
                    SCHEDULE,
                    _(
                        "Dîner du %(date)s : la mission se termine à %(end)s "
                        "et ne reprend pas le lendemain."
                    )
                    % {"date": _day(meal.date), "end": _time(end)},
                )
            )
    for night in nights:
        if night.date in days and _goes_home(night.date, days):
            found.append(
                Flag(
                    SCHEDULE,
                    _(
                        "Nuitée du %(date)s : la mission se termine à %(end)s "
                        "et ne reprend pas le lendemain."
                    )
                    % {"date": _day(night.date), "end": _time(days[night.date][1])},
                )
            )
    return found


def _goes_home(day: datetime.date, days: MissionDays) -> bool:
    return days[day][1] < SIX_PM and day + ONE_DAY not in days


def _day(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def _time(value: datetime.time) -> str:
    return "24:00" if value == datetime.time.max else f"{value:%H:%M}"
