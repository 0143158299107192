"""The rate tables as plain data, the lookup of the rate in force on a day, and
the one copy of the tables each process keeps between requests.

`claims.selectors.rate_book` reads the tables from the database; nothing here
queries them. Rebuilding them on every page with an amount cost two queries
and about a quarter of the page's time (issue 18), so each process keeps the
tables it built, labelled with a version every process shares (see "One copy
per process" below).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
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

    def __post_init__(self) -> None:
        # The same snapshot serves every request of the process (`shared_tables`):
        # a read-only copy, so that no caller can change another's figures.
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(self.tables))

    def rate(self, kind: str, key: str, day: date) -> Decimal:
        """The unit rate in the book's currency (unrounded) in force on `day`.

        A table in the deployment's currency is preferred; otherwise a table
        in the other currency is converted at the fixed parity.
        """
        return self.source(kind, key, day).rate

    def reference(self, kind: str, key: str, day: date) -> str:
        """The legal text of the table `rate` reads ("arrêté du 13 avril
        2012"): from the tables the book holds, no query."""
        return self.source(kind, key, day).reference

    def source(self, kind: str, key: str, day: date) -> RateSource:
        """The rate `rate` returns, with where it comes from; raises
        RateMissing as `rate` does."""
        table = self._table(kind, day)
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
        figure = table.rates[key]
        return RateSource(
            rate=convert(figure, table.currency, self.currency),
            reference=table.reference,
            figure=figure,
            figure_currency=table.currency,
            currency=self.currency,
        )

    def _table(self, kind: str, day: date) -> TableSnapshot:
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
        return in_force[0]


@dataclass(frozen=True)
class RateSource:
    """A rate in the book's currency, the legal text of its table, and the
    table's own figure (in the other currency when converted at the parity)."""

    rate: Decimal
    reference: str
    figure: Decimal
    figure_currency: str
    currency: str

    @property
    def converted(self) -> bool:
        return self.figure_currency != self.currency


KIND_LABELS = {
    "diploma_jury": gettext_lazy("jurys d'examens"),
    "competition_jury": gettext_lazy("jurys de concours"),
    "mileage": gettext_lazy("indemnités kilométriques"),
    "meal": gettext_lazy("repas"),
    "night": gettext_lazy("nuitées"),
}


# --- One copy per process, checked against a version every process shares ----
#
# Production runs several processes (gunicorn workers on several machines,
# background workers) on one database, so a copy kept in one process must be
# checked against something they all see: a version token in the shared cache
# (settings.CACHES: the database's cache table unless CACHE_URL says
# otherwise). Each read of the book costs that one small read (one query with
# the database cache) instead of two queries and 31 tables rebuilt.
#
# Why a token changed on every save rather than a figure read from the data
# (count and latest change of the rates): the tables have no "changed at"
# column, and a count or a sum misses an amount edited or two swapped; a
# checksum of every rate would read all 112 of them, most of the cost saved.
# What changes the token:
# - `rates_changed`, connected (claims.apps) to post_save and post_delete of
#   RateTable and Rate: the back-office, its inline rates, deletions (a table's
#   rates cascade through the same signals), loaddata;
# - the querysets of both models, for update, bulk_create and bulk_update,
#   which send no signal;
# - `rates_migrated`, after every `migrate`: data migrations use historical
#   models, which send no signal to these receivers.
# Only SQL run outside Django (psql, a raw cursor) is not seen: follow it with
# `python manage.py shell -c "from claims.rate_book import rates_changed;
# rates_changed()"`.
#
# The token is random, never a counter: a key lost from the cache (culled,
# cleared) or a version rolled back with its transaction can never come back
# with the value a process labelled other tables with.
#
# Transactions: with the database cache the new token is written in the same
# transaction as the rates, so it becomes visible with them, or is rolled back
# with them. A cache outside the database (locmem in development, Redis) sees
# the token at once: another process may then label the old tables with it
# before the change commits, hence a second token at commit. A transaction
# that changed rates never reads nor fills the copy: it alone sees its
# uncommitted figures, and must not leave them behind if it rolls back.

VERSION_KEY = "claims.rate_book.version"

# (version, tables). Replaced whole, never mutated: a thread reading it while
# another replaces it sees either pair, both consistent. The tables are
# immutable (frozen dataclasses, tuples, read-only mappings).
_copy: tuple[str, tuple[TableSnapshot, ...]] | None = None


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


class _NewVersionOnCommit:
    """The callback `rates_changed` leaves to run at commit; its class tells
    `_changing_rates` that the transaction changed rates."""

    def __call__(self) -> None:
        _new_version()


def _changing_rates(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the open transaction on `using` changed rates: its commit
    callbacks (kept by Django as (savepoint ids, callback, robust), emptied on
    rollback, trimmed when a savepoint rolls back) hold ours."""
    return any(
        isinstance(entry[1], _NewVersionOnCommit)
        for entry in connections[using].run_on_commit
    )


def rates_changed(*, using: str | None = None, **_signal) -> None:
    """A rate table or a rate was saved or deleted: every process's copy is stale."""
    using = using or DEFAULT_DB_ALIAS
    if _changing_rates(using):
        return  # a new version is already written, and another is due at commit
    _new_version()
    if connections[using].in_atomic_block:
        transaction.on_commit(_NewVersionOnCommit(), using=using)


def rates_migrated(**_signal) -> None:
    """After `migrate`: a data migration may have changed the rates."""
    # A CACHE_URL naming a table that `createcachetable` has not made yet: no
    # copy can be labelled before that table exists either.
    with contextlib.suppress(DatabaseError):
        _new_version()


def _shared_version() -> str | None:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Never written, culled or cleared: start one. If another process
        # started one meanwhile, use theirs.
        started = uuid.uuid4().hex
        if cache.add(VERSION_KEY, started, timeout=None):
            return started
        version = cache.get(VERSION_KEY)
    return version


def shared_tables(
    build: Callable[[], tuple[TableSnapshot, ...]],
) -> tuple[TableSnapshot, ...]:
    """The tables `build` reads from the database, built once per version."""
    global _copy
    if _changing_rates():
        return build()
    # The version is read before the tables: a change committed in between
    # leaves newer tables under the older version, rebuilt at the next read;
    # the other order could label old tables with the new version for good.
    version = _shared_version()
    kept = _copy
    if kept is not None and kept[0] == version:
        return kept[1]
    tables = build()
    if version is not None:
        _copy = (version, tables)
    return tables


def forget_shared_tables() -> None:
    """Drop this process's copy, as a process that just started (tests)."""
    global _copy
    _copy = None
