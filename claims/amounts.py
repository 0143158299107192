"""The arithmetic of a claim's amounts: pure functions on plain values.

Nothing here touches the database. `claims.selectors` turns a claim and the
rate tables into the frozen dataclasses below; `compute` turns them into
lines. Rules (the regulation; ARCHITECTURE.md "Interpretations"):

- money is `Decimal`; each line is rounded half-up to the cent, in euros and
  in CFP francs alike (XPF rates carry decimals: 52,05 F CFP per km); what is
  paid, the remuneration and the travel amounts, is the sum of the lines
  rounded to the currency's unit: the cent, or the franc (XPF);
- each line carries its computation in words (`Line.explanation`), built here
  where every fact is known, frozen with it at validation (ClaimLine.detail);
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
from django.utils.translation import ngettext

# The results of `compute` (Line, Amounts) are named through this module too:
# amounts.Line, amounts.Amounts, amounts.missing_manager_amount.
from claims.amount_lines import (
    HORSEPOWER_WORDS,
    NIGHT_WORDS,
    REMUNERATION,
    Amounts,
    Line,
    count_words,
    factor_words,
    hours_words,
    level_words,
    missing_epreuve_time,
    missing_manager_amount,
    missing_vae_coefficient,
    parity_words,
    priced_line,
    source_words,
    struck_lines,
)
from claims.amount_lines import (
    division_problems as division_problems,
)
from claims.money import format_quantity
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
HUNDREDTH = Decimal("0.01")

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
    # The épreuve is an oral or a practical test (not a written one).
    oral_epreuve: bool = False
    # The épreuve's examination time per candidate, in minutes.
    minutes_per_candidate: int | None = None
    # The diploma's VAE coefficient (0,5 to 3): one application pays the
    # oral hourly rate × this coefficient.
    vae_coefficient: Decimal | None = None


@dataclass(frozen=True)
class TripInput:
    date: date | None
    mode: str  # "car" or "public_transport", "" while not chosen
    fiscal_horsepower: int | None = None
    kilometres: int | None = None
    fare: Decimal | None = None
    label: str = ""
    # False: struck by the division; `correction`: what it changed, and why.
    retained: bool = True
    correction: str = ""


@dataclass(frozen=True)
class MealInput:
    date: date | None
    kind: str = "lunch"
    administrative_restaurant: bool = False
    retained: bool = True
    correction: str = ""


@dataclass(frozen=True)
class NightInput:
    date: date | None
    zone: str = "standard"
    retained: bool = True
    correction: str = ""


@dataclass(frozen=True)
class ClaimInput:
    service: ServiceInput
    trips: Sequence[TripInput] = ()
    meals: Sequence[MealInput] = ()
    nights: Sequence[NightInput] = ()
    # Car kilometres the participant already travelled in each calendar year
    # before this claim's trips (from their other claims).
    prior_km: Mapping[int, int] = field(default_factory=dict)


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


def _service_lines(
    service: ServiceInput, book: RateBook
) -> tuple[list[Line], list[str]]:
    """The jury work's line (ARCHITECTURE.md "Rates and amounts"):

    - per copy: copies × the copy rate;
    - per candidate, diploma: orals and practical tests are paid by the hour
      (arrêté du 13 avril 2012): hours = candidates × the épreuve's
      examination time per candidate, at the oral rate (75 % if optional);
    - per candidate, competition: an oral or practical épreuve is paid by the
      hour the same way, at the category's hourly rate (arrêté du 7 mai 2012:
      "oral ou pratique, par heure"); any other épreuve (a candidate's file,
      RAEP) per file at the "par copie ou par dossier" rate;
    - per hour: hours × the oral rate (75 % for a diploma's optional oral);
    - per application (VAE, diplomas): applications × the oral hourly rate ×
      the diploma's VAE coefficient (arrêté du 13 avril 2012, article 2);
    - flat: one paper-setting amount; manager-entered: the amount entered.
    """
    basis = service.basis
    currency = book.currency
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
                currency=currency,
                unit=count_words("flat", 1),
                rate_source=_("montant saisi par le gestionnaire"),
            )
        ], []

    competition = service.scheme == "competition"
    kind = "competition_jury" if competition else "diploma_jury"
    quantity: int | Decimal | None
    conversion = quantity_text = ""
    minutes: int | None = None
    by_hours = basis == Basis.PER_CANDIDATE and (
        not competition or service.oral_epreuve
    )
    if basis == Basis.PER_COPY or (basis == Basis.PER_CANDIDATE and not by_hours):
        item = "copy"
        level = service.category if competition else service.copy_level
        if basis == Basis.PER_COPY:
            quantity, label, unit_key = service.copies, _("Copies corrigées"), "copy"
            missing = _("Le nombre de copies corrigées n'est pas renseigné.")
        else:
            quantity, label = service.candidates, _("Candidats (dossiers) évalués")
            unit_key = "file"
            missing = _("Le nombre de candidats interrogés n'est pas renseigné.")
    elif by_hours:
        item, unit_key = "hour", "hour"
        level = service.category if competition else service.hour_level
        label = _("Candidats interrogés (heures d'oral ou de pratique)")
        if service.candidates is None:
            return [], [_("Le nombre de candidats interrogés n'est pas renseigné.")]
        if not service.minutes_per_candidate:
            return [], [missing_epreuve_time()]
        minutes = service.candidates * service.minutes_per_candidate
        # Shown and frozen to the hundredth (2,92 h); the amount is priced
        # from the minutes (`exact` below), the explanation says them.
        quantity = (Decimal(minutes) / 60).quantize(HUNDREDTH)
        quantity_text = hours_words(minutes)
        candidates = ngettext(
            "%(count)d candidat", "%(count)d candidats", service.candidates
        ) % {"count": service.candidates}
        conversion = (
            f"{candidates} × {service.minutes_per_candidate} min = {quantity_text}"
        )
    elif basis == Basis.PER_HOUR:
        item, unit_key = "hour", "hour"
        level = service.category if competition else service.hour_level
        quantity, label = service.hours, _("Heures d'oral ou de pratique")
        missing = _("Le nombre d'heures n'est pas renseigné.")
    elif basis == Basis.PER_APPLICATION:
        if competition:
            return [], [
                _("Les dossiers de VAE ne sont payés que pour les jurys de diplômes.")
            ]
        item, unit_key, level = "hour", "application", service.hour_level
        quantity, label = service.candidates, _("Dossiers de VAE examinés")
        missing = _("Le nombre de dossiers de VAE examinés n'est pas renseigné.")
        if quantity is not None and service.vae_coefficient is None:
            return [], [missing_vae_coefficient()]
    elif basis == Basis.FLAT:
        item, unit_key = "paper", "flat"
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
        source = book.source(kind, f"{item}:{level}", service.day)
    except RateMissing as missing_rate:
        return [], [str(missing_rate)]
    unit_rate = source.rate
    bases = [parity_words(source)]
    if item == "hour" and basis == Basis.PER_APPLICATION:
        coefficient = service.vae_coefficient or ZERO
        bases.append(
            factor_words(
                unit_rate,
                currency,
                format_quantity(coefficient),
                _("coefficient VAE du diplôme"),
            )
        )
        unit_rate *= coefficient
    elif item == "hour" and service.optional_oral and not competition:
        bases.append(factor_words(unit_rate, currency, "75 %", _("oral facultatif")))
        unit_rate *= OPTIONAL_ORAL_FACTOR
        label = (
            _("Candidats interrogés (oral facultatif, 75 %)")
            if by_hours
            else _("Heures d'oral facultatif (75 %)")
        )
    return [
        priced_line(
            kind=REMUNERATION,
            label=label,
            day=service.day,
            quantity=quantity,
            unit_rate=unit_rate,
            currency=currency,
            exact=None if minutes is None else Decimal(minutes) * unit_rate / 60,
            unit=count_words(unit_key, quantity),
            quantity_text=quantity_text,
            conversion=conversion,
            rate_basis=" ; ".join(b for b in bases if b),
            rate_source=source_words(level_words(competition, level), source),
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
                    unit=_("billet"),
                    rate_source=_("prix payé, sur justificatif"),
                    correction=trip.correction,
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
                    source = book.source("mileage", f"{hp}:{band}", day)
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
                        unit_rate=source.rate,
                        currency=book.currency,
                        unit="km",
                        rate_basis=parity_words(source),
                        rate_source=source_words(
                            _("%(horsepower)s, tranche %(band)s")
                            % {"horsepower": HORSEPOWER_WORDS[hp](), "band": band},
                            source,
                        ),
                        correction=trip.correction,
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
            source = book.source("meal", "meal", meal.date)
        except RateMissing as missing_rate:
            problems.append(str(missing_rate))
            continue
        unit_rate = source.rate
        bases = [parity_words(source)]
        if meal.administrative_restaurant:
            bases.append(
                factor_words(
                    unit_rate, book.currency, "50 %", _("restaurant administratif")
                )
            )
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
                unit=_("repas"),
                rate_basis=" ; ".join(b for b in bases if b),
                rate_source=source_words(_("repas"), source),
                correction=meal.correction,
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
            source = book.source("night", zone, night.date)
        except RateMissing as missing_rate:
            problems.append(str(missing_rate))
            continue
        lines.append(
            priced_line(
                kind="night",
                label=_("Nuitée"),
                day=night.date,
                quantity=1,
                unit_rate=source.rate,
                currency=book.currency,
                unit=_("nuitée"),
                rate_basis=parity_words(source),
                rate_source=source_words(NIGHT_WORDS[zone](), source),
                correction=night.correction,
            )
        )
    return lines, problems


def compute(claim: ClaimInput, book: RateBook) -> Amounts:
    """Every line of a claim and what is missing to price it entirely; the
    travel lines the division struck follow their kind's, worth nothing."""
    lines: list[Line] = []
    problems: list[str] = []
    trips = [trip for trip in claim.trips if trip.retained]
    meals = [meal for meal in claim.meals if meal.retained]
    nights = [night for night in claim.nights if night.retained]
    for part_lines, part_problems in (
        _service_lines(claim.service, book),
        _trip_lines(trips, claim.prior_km, book),
        struck_lines(claim.trips, book.currency),
        _meal_lines(meals, book),
        struck_lines(claim.meals, book.currency),
        _night_lines(nights, book),
        struck_lines(claim.nights, book.currency),
    ):
        lines += part_lines
        problems += part_problems
    return Amounts(book.currency, tuple(lines), tuple(problems))
