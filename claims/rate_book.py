"""The rate tables as plain data, and the lookup of the rate in force on a day.

`claims.selectors.rate_book` builds a `RateBook` from the database; nothing
here touches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.money import convert

JURY_KINDS = frozenset({"diploma_jury", "competition_jury"})
NATIONAL = "national"


@dataclass(frozen=True)
class TableSnapshot:
    """A rate table as plain data."""

    kind: str
    zone: str
    currency: str
    valid_from: date
    valid_until: date | None
    rates: Mapping[str, Decimal]
    reference: str = ""

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (
            self.valid_until is None or day <= self.valid_until
        )


class RateMissing(Exception):
    """No table, or no figure in the table, for what must be paid."""


@dataclass(frozen=True)
class RateBook:
    """Every rate table, the deployment's travel zone and currency."""

    tables: tuple[TableSnapshot, ...]
    zone: str
    currency: str

    def rate(self, kind: str, key: str, day: date) -> Decimal:
        """The unit rate in the book's currency (unrounded) in force on `day`.

        A table in the deployment's currency is preferred; otherwise a table
        in the other currency is converted at the fixed parity.
        """
        zone = NATIONAL if kind in JURY_KINDS else self.zone
        in_force = [
            t
            for t in self.tables
            if t.kind == kind and t.zone == zone and t.covers(day)
        ]
        in_force.sort(key=lambda t: t.currency != self.currency)
        if not in_force:
            raise RateMissing(
                _("Aucun barème « %(kind)s » n'est en vigueur le %(day)s.")
                % {
                    "kind": KIND_LABELS.get(kind, kind),
                    "day": date_format(day, "d/m/Y"),
                }
            )
        table = in_force[0]
        if key not in table.rates:
            raise RateMissing(
                _(
                    "Le barème « %(kind)s » en vigueur le %(day)s "
                    "n'a pas de taux « %(key)s »."
                )
                % {
                    "kind": KIND_LABELS.get(kind, kind),
                    "day": date_format(day, "d/m/Y"),
                    "key": key,
                }
            )
        return convert(table.rates[key], table.currency, self.currency)


KIND_LABELS = {
    "diploma_jury": gettext_lazy("jurys d'examens"),
    "competition_jury": gettext_lazy("jurys de concours"),
    "mileage": gettext_lazy("indemnités kilométriques"),
    "meal": gettext_lazy("repas"),
    "night": gettext_lazy("nuitées"),
}
