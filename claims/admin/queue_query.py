"""The claims queue's query strings as work queues keep them.

A work queue (`claims.WorkQueue`) stores the queue page's query string. It is
checked here against the queue's own filters (`ClaimAdmin.list_filter`), its
search and its sort, and nothing else: one value per parameter, each value one
the filter offers (a choice, an id, a search without control characters). A
query that does not fit is refused when it is saved, and one that no longer
fits (a filter removed since) is never applied: the page that stored it cannot
be broken by it.

`queue_queryset` applies a checked query the way the queue page does, without
building the page's ChangeList: its related filters read their choices from
the database, which would cost queries per queue on the dashboard. Only the
simple filters' `lookups` run, and the project's ones read nothing.
`tests/claims/test_work_queue_counts.py` proves the counts equal the page's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR
from django.core.exceptions import (
    FieldDoesNotExist,
    SuspiciousOperation,
    ValidationError,
)
from django.db.models import ForeignKey, Model, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from claims.models import Claim
from claims.models.work_queues import QUERY_MAX_LENGTH
from imagin.text import CONTROL_CHARACTERS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SEARCH_MAX_LENGTH = 200
# Column numbers, each maybe descending, dot-joined, as the admin writes them.
ORDER = re.compile(r"-?[0-9]{1,2}(\.-?[0-9]{1,2}){0,9}")
ID = re.compile(r"[0-9]{1,10}")
ID_MAX = 2**31 - 1  # a PostgreSQL integer: beyond, no row has that id
BOOLEANS = {"True": True, "False": False}

INVALID = _("Ces filtres ne sont pas ceux de la liste des états de frais.")
EMPTY = _("Choisissez d'abord au moins un filtre ou une recherche.")
TOO_LONG = _("Ces filtres sont trop longs pour être enregistrés.")


@dataclass(frozen=True)
class Parameter:
    """One parameter of the queue's query string."""

    name: str
    title: StrOrPromise  # the filter's title, to describe a queue
    accepts: Callable[[str], bool]
    # The choices' labels by value, when the filter offers a fixed list.
    labels: dict[str, StrOrPromise]
    # A simple filter (applied through its class) or a field lookup.
    filter_class: type[admin.SimpleListFilter] | None = None
    lookup: str = ""
    # The model a related filter's id names.
    related: type[Model] | None = None


def _is_id(value: str) -> bool:
    return bool(ID.fullmatch(value)) and int(value) <= ID_MAX


def _is_search(value: str) -> bool:
    return (
        0 < len(value) <= SEARCH_MAX_LENGTH
        and not CONTROL_CHARACTERS.search(value)
        and bool(value.strip())
    )


def _field_parameters(path: str) -> list[Parameter]:
    """The parameters Django's field filters read for `path` (a relation's
    id or a field's choice, and `__isnull`)."""
    field = get_fields_from_path(Claim, path)[-1]
    title = field.verbose_name
    isnull = Parameter(
        f"{path}__isnull",
        title,
        lambda value: value in BOOLEANS,
        {},
        lookup=f"{path}__isnull",
    )
    if isinstance(field, ForeignKey):
        name = f"{path}__{field.target_field.name}__exact"
        related = Parameter(
            name, title, _is_id, {}, lookup=name, related=field.related_model
        )
        return [related, isnull]
    labels = {str(value): label for value, label in field.flatchoices}
    name = f"{path}__exact"
    return [Parameter(name, title, labels.__contains__, labels, lookup=name), isnull]


def parameters(
    model_admin: admin.ModelAdmin, request: HttpRequest
) -> dict[str, Parameter]:
    """Every parameter the queue page accepts, by name: its filters' in their
    order, then the search and the sort (no page number: a queue opens on its
    first page)."""
    found: dict[str, Parameter] = {}
    for list_filter in model_admin.get_list_filter(request):
        if isinstance(list_filter, type) and issubclass(
            list_filter, admin.SimpleListFilter
        ):
            spec = list_filter(request, {}, Claim, model_admin)
            labels = {str(value): label for value, label in spec.lookup_choices}
            name = str(list_filter.parameter_name)
            found[name] = Parameter(
                name,
                spec.title or name,
                labels.__contains__,
                labels,
                filter_class=list_filter,
            )
            continue
        path = list_filter[0] if isinstance(list_filter, (tuple, list)) else list_filter
        for parameter in _field_parameters(str(path)):
            found[parameter.name] = parameter
    found[SEARCH_VAR] = Parameter(SEARCH_VAR, _("recherche"), _is_search, {})
    found[ORDER_VAR] = Parameter(
        ORDER_VAR, _("tri"), lambda value: bool(ORDER.fullmatch(value)), {}
    )
    return found


def read_query(known: dict[str, Parameter], query: str) -> dict[str, str] | None:
    """The parameters of `query`, in the order of `known`, if every one is
    known, given once and accepted; None otherwise (an empty query is {})."""
    if len(query) > 2 * QUERY_MAX_LENGTH or CONTROL_CHARACTERS.search(query):
        return None
    try:
        parsed = QueryDict(query)
    except SuspiciousOperation:  # too many fields
        return None
    given: dict[str, str] = {}
    for name, values in parsed.lists():
        parameter = known.get(name)
        if parameter is None or len(values) != 1 or not parameter.accepts(values[0]):
            return None
        given[name] = values[0]
    return {name: given[name] for name in known if name in given}


def clean_query(known: dict[str, Parameter], query: str) -> str:
    """`query` written again from its parameters, in a fixed order; raises
    ValidationError if it does not fit the queue's filters, is empty or is
    too long to keep."""
    given = read_query(known, query)
    if given is None:
        raise ValidationError(INVALID, code="invalid")
    cleaned = urlencode(given)
    if not cleaned:
        raise ValidationError(EMPTY, code="empty")
    if len(cleaned) > QUERY_MAX_LENGTH:
        raise ValidationError(TOO_LONG, code="too_long")
    return cleaned


def queue_queryset(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    known: dict[str, Parameter],
    given: dict[str, str],
) -> QuerySet[Claim]:
    """The claims the queue page lists for the checked parameters `given`,
    as a queryset not yet evaluated (for a count or a subquery)."""
    queryset = Claim.objects.all()
    for name, value in given.items():
        parameter = known[name]
        if parameter.filter_class is not None:
            spec = parameter.filter_class(request, {name: [value]}, Claim, model_admin)
            filtered = spec.queryset(request, queryset)  # None: left as it is
            queryset = queryset if filtered is None else filtered
        elif parameter.lookup.endswith("__isnull"):
            queryset = queryset.filter(**{parameter.lookup: BOOLEANS[value]})
        elif parameter.lookup:
            queryset = queryset.filter(**{parameter.lookup: value})
    if SEARCH_VAR in given:
        queryset, _duplicates = model_admin.get_search_results(
            request, queryset, given[SEARCH_VAR]
        )
    return queryset


def related_names(
    known: dict[str, Parameter], queries: list[dict[str, str]]
) -> dict[tuple[str, str], str]:
    """The names of the objects (session, exam, centre...) that the related
    filters of `queries` name, by (parameter, id): one query per kind of
    object named, whatever the number of queries."""
    wanted: dict[str, set[int]] = {}
    for given in queries:
        for name, value in given.items():
            if known[name].related is not None:
                wanted.setdefault(name, set()).add(int(value))
    names: dict[tuple[str, str], str] = {}
    for name, ids in wanted.items():
        model = known[name].related
        if model is None:  # only related parameters are wanted
            continue
        try:
            model._meta.get_field("name")
        except FieldDoesNotExist:
            continue
        rows = model._default_manager.filter(pk__in=ids).values_list("pk", "name")
        names.update({(name, str(pk)): str(label) for pk, label in rows})
    return names


def describe(
    known: dict[str, Parameter],
    given: dict[str, str],
    names: dict[tuple[str, str], str] | None = None,
) -> list[str]:
    """« à traiter : Prêts à valider », « session : Session 2027 »... for a
    list of queues; an object `names` (`related_names`) does not name is
    shown by its number."""
    parts = []
    for name, value in given.items():
        if name == ORDER_VAR:
            continue
        parameter = known[name]
        if name.endswith("__isnull"):
            shown = str(_("vide")) if BOOLEANS[value] else str(_("renseigné"))
        elif parameter.related is not None:
            shown = (names or {}).get((name, value)) or str(_("n° %(id)s")) % {
                "id": value
            }
        else:
            shown = str(parameter.labels.get(value, value))
        parts.append(f"{parameter.title} : {shown}")
    return parts
