"""A claim's priced lines and amounts, and the words that explain them.

`claims.amounts` computes them; this module holds what a line is (its
figures and its computation in words, `Line.explanation`), the sums that are
paid (`Amounts`) and the pieces of French the explanations are made of.
Pure: nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from claims.money import (
    XPF_PER_EUR,
    format_exact,
    format_quantity,
    round_line,
    round_money,
)
from claims.rate_book import RateSource

ZERO = Decimal(0)

# How a rate's figure is named in a line's explanation (called when the line
# is built, in the reader's language).
HORSEPOWER_WORDS = {
    "cv5": lambda: _("5 CV et moins"),
    "cv6_7": lambda: _("6 et 7 CV"),
    "cv8": lambda: _("8 CV et plus"),
}
NIGHT_WORDS = {
    "standard": lambda: _("nuitée, taux de base"),
    "large_city": lambda: _("nuitée, grande ville"),
    "paris": lambda: _("nuitée, Paris"),
}


# ---------------------------------------------------------------- outputs

REMUNERATION = "remuneration"
TRAVEL_KINDS = frozenset({"mileage", "public_transport", "meal", "night"})


@dataclass(frozen=True)
class Line:
    """One priced line, with its computation in words (`explanation`)."""

    kind: str  # a claims.ClaimLine.Kind value
    label: str
    date: date | None
    quantity: Decimal
    unit_rate: Decimal
    amount: Decimal  # rounded half-up to the hundredth (cent or centime de franc)
    currency: str = "EUR"
    # What the quantity counts, agreed with it: "copies", "heures", "km",
    # "repas", "nuitée", "dossiers", "billet", "forfait".
    unit: str = ""
    # The quantity in words when it was converted ("2 h 55 min").
    quantity_text: str = ""
    # How the quantity was obtained: "12 candidats × 20 min = 4 h".
    conversion: str = ""
    # How the unit rate was obtained from the table's figure: "9,60 € × 75 %
    # (oral facultatif)", "5,00 € à 119,33174 XPF pour 1 €".
    rate_basis: str = ""
    # The rate table's name and legal text: "taux 5, arrêté du 13 avril 2012".
    rate_source: str = ""
    # What rounding did: "41,175 € arrondi au centime", "arrondi au franc sur
    # le total" (XPF).
    rounding: str = ""
    # A frozen line's explanation as written at validation (ClaimLine.detail).
    detail: str = ""
    # What the division corrected on the travel line it prices, declared
    # beside retained, and why ("" when nothing: claims.travel_corrections).
    correction: str = ""
    # The division did not retain the line: it counts for nothing and its
    # explanation is the correction alone.
    struck: bool = False

    @property
    def is_travel(self) -> bool:
        return self.kind in TRAVEL_KINDS

    @property
    def explanation(self) -> str:
        """The computation in words a teacher can check: "58 copies × 5,00 €
        (taux 5, arrêté du 13 avril 2012) = 290,00 €"."""
        if self.detail:
            return self.detail
        if self.struck:
            return self.correction
        quantity = self.quantity_text or " ".join(
            part for part in (format_quantity(self.quantity), self.unit) if part
        )
        text = f"{quantity} × {format_exact(self.unit_rate, self.currency, 4)}"
        within = " ; ".join(p for p in (self.rate_basis, self.rate_source) if p)
        if within:
            text += f" ({within})"
        text += f" = {format_exact(self.amount, self.currency)}"
        if self.conversion:
            text = f"{self.conversion} ; {text}"
        if self.rounding:
            text += f" ({self.rounding})"
        if self.correction:
            text = f"{self.correction} ; {text}"
        return text


@dataclass(frozen=True)
class Amounts:
    currency: str
    lines: tuple[Line, ...]
    # What prevents computing the whole amount, in French; empty when complete.
    problems: tuple[str, ...] = ()

    @property
    def lines_remuneration(self) -> Decimal:
        """The sum of the remuneration lines, before rounding what is paid."""
        return sum((line.amount for line in self.lines if not line.is_travel), ZERO)

    @property
    def lines_travel(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.is_travel), ZERO)

    @property
    def remuneration(self) -> Decimal:
        """What is paid for the work: the lines' sum, rounded to the franc in XPF."""
        return round_money(self.lines_remuneration, self.currency)

    @property
    def travel(self) -> Decimal:
        return round_money(self.lines_travel, self.currency)

    @property
    def total(self) -> Decimal:
        return self.remuneration + self.travel

    @property
    def total_rounding(self) -> str:
        """What rounding the amounts to pay changed, in words ("" when
        nothing): "Rémunération : 59 665,87 XPF arrondi au franc, 59 666 XPF"."""
        parts = []
        for label, exact, paid in (
            (_("Rémunération"), self.lines_remuneration, self.remuneration),
            (_("Déplacement"), self.lines_travel, self.travel),
        ):
            if exact != paid:
                parts.append(
                    _("%(part)s : %(exact)s arrondi au franc, %(paid)s")
                    % {
                        "part": label,
                        "exact": format_exact(exact, self.currency),
                        "paid": format_exact(paid, self.currency),
                    }
                )
        return " ; ".join(parts)

    @property
    def is_complete(self) -> bool:
        return not self.problems


def priced_line(
    *,
    kind: str,
    label: str,
    day: date | None,
    quantity,
    unit_rate: Decimal,
    currency: str,
    exact: Decimal | None = None,
    **words: str,
) -> Line:
    """quantity × unit rate, rounded once to the hundredth, never negative.

    `exact`: the product when the caller knows it better than quantity × rate
    (hours from minutes: 175 min × 9,60 € / 60 is 28 exactly, where 2,9166… h
    × 9,60 € is not). `words`: the Line's text fields (unit, rate_source...).
    """
    quantity = Decimal(quantity)
    product = max(quantity * unit_rate if exact is None else exact, ZERO)
    amount = round_line(product)
    rounding = []
    if product != amount:
        rounding.append(_("%s arrondi au centime") % format_exact(product, currency, 6))
    if currency == "XPF":
        rounding.append(_("arrondi au franc sur le total"))
    return Line(
        kind,
        label,
        day,
        quantity,
        unit_rate,
        amount,
        currency=currency,
        rounding=" ; ".join(rounding),
        # Text fields only (a line priced is never struck).
        **cast(dict[str, Any], words),
    )


def struck_lines(entries, currency: str) -> tuple[list[Line], list[str]]:
    """The travel lines (claims.amounts' TripInput, MealInput, NightInput)
    the division did not retain: shown with why, worth nothing."""
    lines = []
    for entry in entries:
        if entry.retained:
            continue
        if hasattr(entry, "mode"):  # a trip
            kind = "mileage" if entry.mode == "car" else "public_transport"
            label = entry.label or _("Trajet")
        elif hasattr(entry, "kind"):  # a meal
            kind = "meal"
            label = _("Dîner") if entry.kind == "dinner" else _("Déjeuner")
        else:
            kind, label = "night", _("Nuitée")
        lines.append(
            Line(
                kind,
                label,
                entry.date,
                ZERO,
                ZERO,
                ZERO,
                currency=currency,
                correction=entry.correction,
                struck=True,
            )
        )
    return lines, []


def missing_manager_amount() -> str:
    """The problem of a manager-entered mission whose amount is not entered
    yet: the division's to solve, never the participant's."""
    return _("Le montant de cette mission est saisi par le gestionnaire.")


def missing_epreuve_time() -> str:
    """An oral paid per candidate whose épreuve has no examination time."""
    return _(
        "La durée d'interrogation par candidat de l'épreuve n'est pas "
        "renseignée : elle fixe les heures payées. La division des "
        "examens et concours la renseigne."
    )


def missing_vae_coefficient() -> str:
    return _(
        "Le coefficient VAE du diplôme n'est pas renseigné : il fixe le "
        "montant d'un dossier. La division des examens et concours le "
        "renseigne."
    )


def division_problems() -> frozenset[str]:
    """Problems only the division can solve (an amount it enters, an
    épreuve's or a diploma's figure): not the participant's to fix."""
    return frozenset(
        {missing_manager_amount(), missing_epreuve_time(), missing_vae_coefficient()}
    )


def source_words(what: str, source: RateSource) -> str:
    """ "taux 5, arrêté du 13 avril 2012": the figure's name and its text."""
    reference = source.reference.strip()
    # "Arrêté du…" reads "arrêté du…" after a comma; "JORF…" is left alone.
    if reference[:2].istitle():
        reference = reference[0].lower() + reference[1:]
    return ", ".join(part for part in (what, reference) if part)


def parity_words(source: RateSource) -> str:
    """How a rate in the other currency was converted, or ""."""
    if not source.converted:
        return ""
    return _("%(figure)s à %(parity)s XPF pour 1 €") % {
        "figure": format_exact(source.figure, source.figure_currency, 4),
        "parity": format_quantity(XPF_PER_EUR),
    }


def factor_words(base: Decimal, currency: str, factor: str, why: str) -> str:
    """ "9,60 € × 75 %, oral facultatif" """
    return f"{format_exact(base, currency, 4)} × {factor}, {why}"


def hours_words(minutes: int) -> str:
    """240 -> "4 h", 175 -> "2 h 55 min", 45 -> "45 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def count_words(unit_key: str, number) -> str:
    """The unit agreed with a quantity (French: plural from 2)."""
    n = int(number)
    units = {
        "copy": ngettext("copie", "copies", n),
        "hour": ngettext("heure", "heures", n),
        "file": ngettext("dossier", "dossiers", n),
        "application": ngettext("dossier de VAE", "dossiers de VAE", n),
        "flat": ngettext("forfait", "forfaits", n),
    }
    return units[unit_key]


def level_words(competition: bool, level: str) -> str:
    return (_("catégorie %s") if competition else _("taux %s")) % level
