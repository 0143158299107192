"""What the exam division corrected on a claim's travel lines, in words.

A correction (`claims.services.travel_review.claim_correct_travel`) writes
the retained values into the line's own fields (so everything that prices or
checks a claim reads them), keeps the participant's values in `declared`
(JSON, as they were before the first correction) and may strike the line
(`retained` False). This module knows which fields a manager may correct,
turns a line's values into JSON and back, says in words what differs
(`correction_words`, read into the décompte by `claims.selectors`), and
gives the participant's values back when a claim is sent back
(`restore_declared`: the participant's new declaration is what the division
checks next, as for the quantities).

It writes nothing but in `restore_declared`, which the send-back services
call on rows they hold locked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from claims.models import Claim, ClaimStatus, Meal, Night, Trip
from claims.money import format_money

# The fields the division may correct, per kind of line, in display order.
FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Trip: (
        "date",
        "origin",
        "destination",
        "mode",
        "fiscal_horsepower",
        "kilometres",
        "fare",
    ),
    Meal: ("date", "kind", "administrative_restaurant"),
    Night: ("date", "zone"),
}
# How a kind of line is named in a correction's changes and audit event.
KINDS: dict[str, type[models.Model]] = {"trip": Trip, "meal": Meal, "night": Night}
RELATED = {"trip": "trips", "meal": "meals", "night": "nights"}
TravelEntry = Trip | Meal | Night


def model_field(entry: TravelEntry | type[models.Model], name: str) -> models.Field:
    """The line's model field `name` (a correctable one: never a relation)."""
    return cast(models.Field, entry._meta.get_field(name))


def as_json(value: object) -> object:
    """A field's value as JSON keeps it: booleans, integers and None as they
    are, dates and decimals as their text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def snapshot(entry: TravelEntry) -> dict[str, object]:
    """The line's correctable values, as JSON."""
    return {name: as_json(getattr(entry, name)) for name in FIELDS[type(entry)]}


def declared_value(entry: TravelEntry, name: str) -> object:
    """What the participant declared for `name` (the current value when the
    line was never corrected)."""
    if entry.declared is None or name not in entry.declared:
        return getattr(entry, name)
    return model_field(entry, name).to_python(entry.declared[name])


def is_corrected(entry: TravelEntry) -> bool:
    return entry.declared is not None or not entry.retained


def changed_fields(entry: TravelEntry) -> list[str]:
    """The fields whose retained value differs from the declared one."""
    if entry.declared is None:
        return []
    return [
        name
        for name in FIELDS[type(entry)]
        if declared_value(entry, name) != getattr(entry, name)
    ]


def value_words(entry: TravelEntry, name: str, value: object, currency: str) -> str:
    """One value as the décompte says it: "3 juin 2027", "120 km", "6 CV"."""
    if value is None or value == "":
        return _("non renseigné")
    field = model_field(entry, name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if name == "kilometres":
        return f"{value} km"
    if name == "fiscal_horsepower":
        return f"{value} CV"
    if isinstance(value, Decimal):
        return format_money(value, currency)
    return str(value)


def correction_words(entry: TravelEntry, currency: str) -> str:
    """What the division changed on the line and why, "" when nothing:
    "déclaré : kilomètres 120 km ; retenu : kilomètres 52 km — motif : …",
    or "non retenu — motif : …"."""
    reason = entry.correction_reason.strip()
    why = _(" — motif : %s") % reason if reason else ""
    if not entry.retained:
        return _("non retenu par la division des examens et concours") + why
    changed = changed_fields(entry)
    if not changed:
        return ""
    parts = [
        _("%(field)s déclaré %(declared)s, retenu %(retained)s")
        % {
            "field": model_field(entry, name).verbose_name,
            "declared": value_words(entry, name, declared_value(entry, name), currency),
            "retained": value_words(entry, name, getattr(entry, name), currency),
        }
        for name in changed
    ]
    return _("corrigé par la division : %s") % " ; ".join(parts) + why


def lines_of(claim: Claim) -> Iterable[TravelEntry]:
    """The claim's travel lines, trips first (as loaded or prefetched)."""
    for related in RELATED.values():
        yield from getattr(claim, related).all()


def travel_refusal(claim: Claim) -> str:
    """Why the division may not correct the claim's travel lines now ("" when
    it may): the claim must be validated by its participant and not yet by
    the division, as for the quantities, and have travel lines."""
    if claim.status != ClaimStatus.SUBMITTED:
        return _(
            "Les frais de déplacement se corrigent sur un état de frais validé "
            "par l'intervenant, avant la validation du gestionnaire (statut "
            "actuel : %(status)s)."
        ) % {"status": claim.get_status_display()}
    if not claim.has_travel_part or not any(True for _line in lines_of(claim)):
        return _("Cet état de frais n'a ni trajet, ni repas, ni nuitée à corriger.")
    return ""


def restore_declared(claim_ids: Iterable[int]) -> int:
    """Give the participant's values back to every corrected travel line of
    the claims (a send-back): fields from `declared`, retained again, no
    reason. Returns how many lines changed (one query per kind of line, and
    one per kind that had corrections)."""
    ids = list(claim_ids)
    restored = 0
    if not ids:
        return 0
    for model, names in FIELDS.items():
        rows: list[Any] = list(
            model._default_manager.filter(claim_id__in=ids).filter(
                Q(declared__isnull=False) | Q(retained=False)
            )
        )
        for row in rows:
            for name in names:
                setattr(row, name, declared_value(row, name))
            row.declared = None
            row.retained = True
            row.correction_reason = ""
        if rows:
            model._default_manager.bulk_update(
                rows, [*names, "declared", "retained", "correction_reason"]
            )
            restored += len(rows)
    return restored


def declared_mapping(entry: TravelEntry) -> Mapping[str, object]:
    """The participant's values of the line (its own when never corrected)."""
    return {name: declared_value(entry, name) for name in FIELDS[type(entry)]}
