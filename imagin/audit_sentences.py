"""The audit log in sentences, in the reader's language: « Claire Martin a
rétabli l'état de frais n° 12 — motif : … », never a code.

Each action the project writes has one entry in `ACTIONS`: a short label (the
log's filter) and one sentence (one msgid, named placeholders). The sentence is
filled from the event: its author (« Le système » when none), its object (the
number, the person it concerns), its statuses (their labels, read from the
model's status field, so each app's own enumeration) and its data (a reason,
amounts written as money). A code with no entry still reads as a sentence
(`FALLBACK`). `tests/test_audit_sentences.py` finds every code the sources
write and fails on one missing here.

This module, like `imagin/urls.py`, names the other apps' actions: the words
of the log are the one place where the shared audit model meets the domain.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from claims.money import format_money
from imagin.audit import AuditEvent
from imagin.audit_actions import ACTIONS

FALLBACK = _("%(actor)s a effectué une opération sur : %(type)s n° %(number)s")
STATUS_CHANGE = _("%(sentence)s — statut « %(from)s » devenu « %(to)s »")
# Texts the event carries, added after the sentence when it does not name them.
DETAILS = {
    "reason": _("%(sentence)s — motif : %(reason)s"),
    "comment": _("%(sentence)s — commentaire : %(comment)s"),
    "note": _("%(sentence)s — note : %(note)s"),
}

# The money in an event's data: its amount keys, written with the currency.
AMOUNT_KEYS = (
    "amount",
    "before",
    "estimated_total",
    "remuneration_amount",
    "travel_amount",
)

USER_KEY = "accounts.user"
# How to reach the person an object concerns, from its model (app.model).
PERSON_PATHS = {
    "claims.claim": "assignment__participant",
    "missions.assignment": "participant",
    "accounts.financialfile": "user",
    USER_KEY: "",
}
# Objects a sentence names by a field of theirs (else by their number).
NAMED_BY = {"missions.examsession": "name"}


class _Values(dict):
    """A placeholder the event does not fill reads as a dash, never a crash."""

    def __missing__(self, key: str) -> str:
        return "—"


def action_label(action: str) -> str:
    entry = ACTIONS.get(action)
    return str(entry.label) if entry else gettext("Autre opération")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("oui") if value else gettext("non")
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value) if value else "—"
    if isinstance(value, dict):
        return ", ".join(f"{key} : {_text(item)}" for key, item in value.items())
    return "—" if value in (None, "") else str(value)


def _money(value: Any, currency: str) -> str:
    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, KeyError, ValueError):
        return _text(value)


def _status_label(model: type[models.Model] | None, value: str) -> str:
    if not value:
        return "—"
    try:
        field = model._meta.get_field("status") if model else None
    except FieldDoesNotExist:
        field = None
    # The model's own enumeration (ClaimStatus, ConvocationStatus...).
    labels = dict(getattr(field, "flatchoices", None) or ())
    return str(labels.get(value, value))


def _list_name(label: str) -> str:
    """« états de frais » for the list "claims.claim" (an export's)."""
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return label


def _person(obj: models.Model | None, key: str) -> str:
    """The name of the person the object concerns ("" if none is known)."""
    path = PERSON_PATHS.get(key)
    if obj is None or path is None:
        return ""
    person: Any = obj
    for part in path.split("__") if path else ():
        person = getattr(person, part, None)
    if not isinstance(person, get_user_model()):
        return ""
    return person.get_full_name() or person.get_username()


def _content_type(event: AuditEvent) -> ContentType:
    """The event's kind of object: the one the list fetched with it, else
    Django's cache of content types."""
    if AuditEvent.target_type.is_cached(event):
        return event.target_type
    return ContentType.objects.get_for_id(event.target_type_id)


def actor_name(event: AuditEvent) -> str:
    label = event.actor_label
    if label == "système":
        return gettext("Le système")
    return label or gettext("Un intervenant")


def sentence(
    event: AuditEvent, target: models.Model | None = None, details: bool = True
) -> str:
    """The event in one sentence of the active language. The person it
    concerns comes from `with_names`, or from `target`, the object, when the
    caller has it; else the sentence names the object by its number.
    `details=False` leaves out the reason, comment and note (a page that shows
    the reason apart, or hides the division's note)."""
    content_type = _content_type(event)
    model = content_type.model_class()
    key = f"{content_type.app_label}.{content_type.model}"
    data = event.data if isinstance(event.data, dict) else {}
    values = _Values({name: _text(value) for name, value in data.items()})
    if isinstance(data.get("list"), str):
        values["list"] = _list_name(data["list"])
    currency = str(data.get("currency") or "EUR")
    for name in AMOUNT_KEYS:
        if name in data:
            values[name] = _money(data[name], currency)
    entry = ACTIONS.get(event.action)
    template = str(entry.sentence if entry else FALLBACK)
    # The person only when named: reaching them may cost a query.
    person = getattr(event, "target_person", "") or ""
    if not person and "%(person)s" in template:
        person = _person(target, key)
    if not person and key == USER_KEY:
        person = gettext("le compte n° %(number)s") % {"number": event.target_id}
    label = getattr(event, "target_label", "") or ""
    if not label and target is not None and key in NAMED_BY:
        label = str(getattr(target, NAMED_BY[key]))
    label = label or gettext("n° %(number)s") % {"number": event.target_id}
    values.update(
        actor=actor_name(event),
        number=str(event.target_id),
        type=str(content_type.name),
        person=person or gettext("l'intervenant"),
        target=label,
    )
    values["from"] = _status_label(model, event.from_status)
    if event.to_status or "to" not in values:
        values["to"] = _status_label(model, event.to_status)
    text = template % values
    if entry is None and (event.from_status or event.to_status):
        text = str(STATUS_CHANGE) % {**values, "sentence": text}
    if details:
        for name, more in DETAILS.items():
            if data.get(name) and f"%({name})s" not in template:
                text = str(more) % {name: values[name], "sentence": text}
    return text


def _full_name(path: str) -> Any:
    prefix = f"{path}__" if path else ""
    joined = Concat(
        F(f"{prefix}first_name"),
        Value(" "),
        F(f"{prefix}last_name"),
        output_field=models.CharField(),
    )
    return Coalesce(NullIf(Trim(joined), Value("")), F(f"{prefix}username"))


def with_names(queryset: models.QuerySet) -> models.QuerySet:
    """The events with the name of the person each concerns (`target_person`)
    and of the session they name (`target_label`), read in the same query as
    the events: a page of the log costs the same queries whatever objects it
    shows."""
    people = [
        When(
            target_type=ContentType.objects.get_for_model(model),
            then=Subquery(
                model._default_manager.filter(pk=OuterRef("target_id"))
                .annotate(person_name=_full_name(path))
                .values("person_name")[:1]
            ),
        )
        for key, path in PERSON_PATHS.items()
        if (model := apps.get_model(key))
    ]
    labels = [
        When(
            target_type=ContentType.objects.get_for_model(model),
            then=Subquery(
                model._default_manager.filter(pk=OuterRef("target_id")).values(field)[
                    :1
                ]
            ),
        )
        for key, field in NAMED_BY.items()
        if (model := apps.get_model(key))
    ]
    return queryset.annotate(
        target_person=Case(*people, default=Value(""), output_field=models.CharField()),
        target_label=Case(*labels, default=Value(""), output_field=models.CharField()),
    )


def sentences(events: Iterable[AuditEvent], details: bool = True) -> dict[int, str]:
    """{event pk: sentence} for many events (annotated by `with_names`)."""
    return {event.pk: sentence(event, details=details) for event in events}
