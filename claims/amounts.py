"""The arithmetic of a claim's amounts: pure functions on plain values.

Nothing here touches the database. `claims.selectors` turns a claim and the
rate tables into the frozen dataclasses below; `compute` turns them into
lines. Rules (the regulation; ARCHITECTURE.md "Interpretations"):

- money is `Decimal`; each line is rounded half-up to the cent (EUR) or to
  the franc (XPF), and a total is the sum of rounded lines;
- a rate is the one in force on the day of what it pays for: the mission's
  first day for the jury work, the trip's, meal's or night's own date;
- mileage is split across the bands of the participant's cumulative distance
  in the calendar year (≤ 2 000 km, 2 001–10 000 km, > 10 000 km);
- nothing is guessed: a missing quantity or rate becomes a problem, in
  French, and no line; a line is never negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from claims.money import round_money
from claims.rate_book import RateBook, RateMissing
from missions.models import MissionType

# The mission type's payment basis, named once (missions.models).
Basis = MissionType.PaymentBasis

# Upper bounds of the first two mileage bands, in cumulative km in the year.
DISTANCE_BAND_LIMITS = (("1", Decimal(2000)), ("2", Decimal(10000)), ("3", None))
# Optional orals and one-off tests are paid 75 % of the oral hourly rate
# (arrêté du 13 avril 2012).
OPTIONAL_ORAL_FACTOR = Decimal("0.75")
ADMINISTRATIVE_RESTAURANT_FACTOR = Decimal("0.5")
ZERO = Decimal(0)

PACIFIC_ZONES = frozenset({"pacific", "wallis"})


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ServiceInput:
    """The jury work of a claim, with what decides its rate."""

    basis: str  # missions.MissionType.PaymentBasis value
    scheme: str  # "diploma" or "competition"
    day: date  # the mission's first day
    copies: int | None = None
    candidates: int | None = None
    hours: Decimal | None = None
    copy_level: str = ""  # diploma taux for copies, 1 to 5
    hour_level: str = ""  # diploma taux for orals, 1 to 4
    category: str = ""  # competition: the participant's corps category
    optional_oral: bool = False
    manager_amount: Decimal | None = None


@dataclass(frozen=True)
class TripInput:
    date: date | None
    mode: str  # "car" or "public_transport", "" while not chosen
    fiscal_horsepower: int | None = None
    kilometres: int | None = None
    fare: Decimal | None = None
    label: str = ""


@dataclass(frozen=True)
class MealInput:
    date: date | None
    kind: str = "lunch"
    administrative_restaurant: bool = False


@dataclass(frozen=True)
class NightInput:
    date: date | None
    zone: str = "standard"


@dataclass(frozen=True)
class ClaimInput:
    service: ServiceInput
    trips: Sequence[TripInput] = ()
    meals: Sequence[MealInput] = ()
    nights: Sequence[NightInput] = ()
    # Car kilometres the participant already travelled in each calendar year
    # before this claim's trips (from their other claims).
    prior_km: Mapping[int, int] = field(default_factory=dict)


# ---------------------------------------------------------------- outputs

REMUNERATION = "remuneration"
TRAVEL_KINDS = frozenset({"mileage", "public_transport", "meal", "night"})


@dataclass(frozen=True)
class Line:
    kind: str  # a claims.ClaimLine.Kind value
    label: str
    date: date | None
    quantity: Decimal
    unit_rate: Decimal
    amount: Decimal

    @property
    def is_travel(self) -> bool:
        return self.kind in TRAVEL_KINDS


@dataclass(frozen=True)
class Amounts:
    currency: str
    lines: tuple[Line, ...]
    # What prevents computing the whole amount, in French; empty when complete.
    problems: tuple[str, ...] = ()

    @property
    def remuneration(self) -> Decimal:
        return sum((line.amount for line in self.lines if not line.is_travel), ZERO)

    @property
    def travel(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.is_travel), ZERO)

    @property
    def total(self) -> Decimal:
        return self.remuneration + self.travel

    @property
    def is_complete(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- rules


def split_distance(
    already: int | Decimal, distance: int | Decimal
) -> list[tuple[str, Decimal]]:
    """Split a trip over the yearly distance bands: [(band, km), ...].

    1 900 km already travelled and a 300 km trip give [("1", 100), ("2", 200)].
    The parts always sum to the distance.
    """
    start = Decimal(already)
    end = start + Decimal(distance)
    parts = []
    lower = ZERO
    for band, upper in DISTANCE_BAND_LIMITS:
        top = end if upper is None else min(end, upper)
        portion = top - max(start, lower)
        if portion > 0:
            parts.append((band, portion))
        if upper is not None:
            lower = upper
    return parts


def horsepower_class(fiscal_horsepower: int) -> str:
    if fiscal_horsepower <= 5:
        return "cv5"
    if fiscal_horsepower <= 7:
        return "cv6_7"
    return "cv8"


def priced_line(
    *,
    kind: str,
    label: str,
    day: date | None,
    quantity,
    unit_rate: Decimal,
    currency: str,
) -> Line:
    """quantity × unit rate, rounded once, never negative."""
    quantity = Decimal(quantity)
    amount = round_money(max(quantity * unit_rate, ZERO), currency)
    return Line(kind, label, day, quantity, unit_rate, amount)


def missing_manager_amount() -> str:
    """The problem of a manager-entered mission whose amount is not entered
    yet: the division's to solve, never the participant's."""
    return _("Le montant de cette mission est saisi par le gestionnaire.")


def _service_lines(
    service: ServiceInput, book: RateBook
) -> tuple[list[Line], list[str]]:
    basis = service.basis
    if basis == Basis.UNPAID:
        return [], []
    if basis == Basis.MANAGER_ENTERED:
        if service.manager_amount is None:
            return [], [missing_manager_amount()]
        return [
            priced_line(
                kind=REMUNERATION,
                label=_("Indemnité saisie par le gestionnaire"),
                day=service.day,
                quantity=1,
                unit_rate=service.manager_amount,
                currency=book.currency,
            )
        ], []

    competition = service.scheme == "competition"
    kind = "competition_jury" if competition else "diploma_jury"
    quantity: int | Decimal | None
    if basis in (Basis.PER_COPY, Basis.PER_CANDIDATE):
        # Competitions pay "per copy or per file"; a candidate's file is paid
        # like a copy, for diplomas too (ARCHITECTURE.md, interpretations).
        item = "copy"
        level = service.category if competition else service.copy_level
        if basis == Basis.PER_COPY:
            quantity, label = service.copies, _("Copies corrigées")
            missing = _("Le nombre de copies corrigées n'est pas renseigné.")
        else:
            quantity, label = service.candidates, _("Candidats (dossiers) évalués")
            missing = _("Le nombre de candidats interrogés n'est pas renseigné.")
    elif basis == Basis.PER_HOUR:
        item = "hour"
        level = service.category if competition else service.hour_level
        quantity, label = service.hours, _("Heures d'oral ou de pratique")
        missing = _("Le nombre d'heures n'est pas renseigné.")
    elif basis == Basis.FLAT:
        item = "paper"
        level = service.category if competition else service.copy_level
        quantity, label, missing = 1, _("Forfait (conception de sujet)"), ""
    else:
        return [], [_("Mode de rémunération inconnu : %s.") % basis]

    if quantity is None:
        return [], [missing]
    if Decimal(quantity) < 0:
        return [], [_("Une quantité ne peut pas être négative.")]
    if not level:
        if competition:
            return [], [
                _(
                    "La catégorie du corps de l'intervenant (A1, A2, B ou C) n'est pas "
                    "renseignée : elle fixe le taux des concours."
                )
            ]
        return [], [_("Le taux de rémunération de l'examen n'est pas renseigné.")]
    try:
        unit_rate = book.rate(kind, f"{item}:{level}", service.day)
    except RateMissing as missing_rate:
        return [], [str(missing_rate)]
    if item == "hour" and service.optional_oral and not competition:
        unit_rate *= OPTIONAL_ORAL_FACTOR
        label = _("Heures d'oral facultatif (75 %)")
    return [
        priced_line(
            kind=REMUNERATION,
            label=label,
            day=service.day,
            quantity=quantity,
            unit_rate=unit_rate,
            currency=book.currency,
        )
    ], []


def _trip_lines(
    trips: Iterable[TripInput], prior_km: Mapping[int, int], book: RateBook
) -> tuple[list[Line], list[str]]:
    lines: list[Line] = []
    problems: list[str] = []
    travelled = {year: Decimal(km) for year, km in prior_km.items()}
    # Order by date so the bands fill up in the order the trips were made.
    dated = sorted(
        ((t.date, t) for t in trips if t.date is not None), key=lambda pair: pair[0]
    )
    if any(t.date is None for t in trips):
        problems.append(_("Un trajet n'a pas de date."))
    for number, (day, trip) in enumerate(dated, start=1):
        label = trip.label or _("Trajet %d") % number
        if trip.mode == "public_transport":
            if trip.fare is None or trip.fare < 0:
                problems.append(
                    _("%s : le prix du billet n'est pas renseigné.") % label
                )
                continue
            lines.append(
                priced_line(
                    kind="public_transport",
                    label=label,
                    day=day,
                    quantity=1,
                    unit_rate=trip.fare,
                    currency=book.currency,
                )
            )
        elif trip.mode == "car":
            if (
                not trip.fiscal_horsepower
                or trip.kilometres is None
                or trip.kilometres < 0
            ):
                problems.append(
                    _("%s : la puissance fiscale et les kilomètres sont à renseigner.")
                    % label
                )
                continue
            year = day.year
            already = travelled.get(year, ZERO)
            hp = horsepower_class(trip.fiscal_horsepower)
            for band, km in split_distance(already, trip.kilometres):
                try:
                    unit_rate = book.rate("mileage", f"{hp}:{band}", day)
                except RateMissing as missing_rate:
                    problems.append(str(missing_rate))
                    continue
                lines.append(
                    priced_line(
                        kind="mileage",
                        label=_("%(trip)s, %(km)s km (tranche %(band)s)")
                        % {"trip": label, "km": km, "band": band},
                        day=day,
                        quantity=km,
                        unit_rate=unit_rate,
                        currency=book.currency,
                    )
                )
            travelled[year] = already + trip.kilometres
        else:
            problems.append(_("%s : le moyen de transport n'est pas choisi.") % label)
    return lines, problems


def _meal_lines(
    meals: Iterable[MealInput], book: RateBook
) -> tuple[list[Line], list[str]]:
    lines, problems = [], []
    for meal in meals:
        if meal.date is None:
            problems.append(_("Un repas n'a pas de date."))
            continue
        label = _("Dîner") if meal.kind == "dinner" else _("Déjeuner")
        try:
            unit_rate = book.rate("meal", "meal", meal.date)
        except RateMissing as missing_rate:
            problems.append(str(missing_rate))
            continue
        if meal.administrative_restaurant:
            unit_rate *= ADMINISTRATIVE_RESTAURANT_FACTOR
            label = _("%s (restaurant administratif, demi-taux)") % label
        lines.append(
            priced_line(
                kind="meal",
                label=label,
                day=meal.date,
                quantity=1,
                unit_rate=unit_rate,
                currency=book.currency,
            )
        )
    return lines, problems


def _night_lines(
    nights: Iterable[NightInput], book: RateBook
) -> tuple[list[Line], list[str]]:
    lines, problems = [], []
    for night in nights:
        if night.date is None:
            problems.append(_("Une nuitée n'a pas de date."))
            continue
        # The Pacific has one night rate whatever the town.
        zone = "standard" if book.zone in PACIFIC_ZONES else night.zone
        try:
            unit_rate = book.rate("night", zone, night.date)
        except RateMissing as missing_rate:
            problems.append(str(missing_rate))
            continue
        lines.append(
            priced_line(
                kind="night",
                label=_("Nuitée"),
                day=night.date,
                quantity=1,
                unit_rate=unit_rate,
                currency=book.currency,
            )
        )
    return lines, problems


def compute(claim: ClaimInput, book: RateBook) -> Amounts:
    """Every line of a claim and what is missing to price it entirely."""
    lines: list[Line] = []
    problems: list[str] = []
    for part_lines, part_problems in (
        _service_lines(claim.service, book),
        _trip_lines(claim.trips, claim.prior_km, book),
        _meal_lines(claim.meals, book),
        _night_lines(claim.nights, book),
    ):
        lines += part_lines
        problems += part_problems
    return Amounts(book.currency, tuple(lines), tuple(problems))
