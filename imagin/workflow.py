"""Status machines: one table of allowed transitions per model, one way to apply them.

A model declares its table next to its status choices; services call
`apply_transition` inside their transaction, after their own guards, so the
status change and its audit event are written together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from imagin.audit import audit_log, audit_log_many


class TransitionNotAllowed(Exception):
    """The object's current status does not allow the requested change."""


class TransitionTable:
    def __init__(self, allowed: Mapping[str, Iterable[str]]) -> None:
        self.allowed = {
            source: frozenset(targets) for source, targets in allowed.items()
        }

    def targets(self, source: str) -> frozenset[str]:
        return self.allowed.get(source, frozenset())

    def check(self, source: str, target: str) -> tuple[bool, str]:
        """Return (allowed, reason): the reason explains a refusal in French."""
        if target in self.targets(source):
            return True, ""
        return False, _("Cette action n'est pas possible au statut actuel.")


def apply_transition(
    obj: models.Model,
    *,
    table: TransitionTable,
    to_status: str,
    by: Any,
    action: str,
    data: dict[str, Any] | None = None,
    update_fields: Iterable[str] = (),
) -> None:
    """Move `obj.status` to `to_status`, save the changed fields, log the event.

    Raises TransitionNotAllowed when the table forbids the move. The caller
    holds the row lock (`select_for_update`) and the transaction.
    """
    # Every model given a table has a `status` field, which the type of
    # Model cannot name.
    stateful: Any = obj
    from_status = stateful.status
    allowed, reason = table.check(from_status, to_status)
    if not allowed:
        raise TransitionNotAllowed(reason)
    stateful.status = to_status
    obj.save(update_fields=["status", *update_fields])
    audit_log(
        actor=by,
        action=action,
        target=obj,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )


def apply_transitions(
    objs: Sequence[models.Model],
    *,
    table: TransitionTable,
    to_status: str,
    by: Any,
    action: str,
    data: dict[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    own_values: Sequence[str] = (),
    event_data: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """The same move for many objects of one model, in two queries: one UPDATE
    of their status (and `values`), one INSERT of their audit events.

    `values` are the same for all (an F() expression is evaluated per row);
    `own_values` name fields each object already carries its own value for
    (a validation's amounts), written in the same UPDATE with one CASE per
    field. `event_data(obj)` gives each event its own data, over `data`.

    Raises TransitionNotAllowed, before writing anything, if the table forbids
    the move for any of them. The caller holds their row locks.
    """
    if not objs:
        return
    stateful: Sequence[Any] = objs  # each has a `status` field (see above)
    for obj in stateful:
        allowed, reason = table.check(obj.status, to_status)
        if not allowed:
            raise TransitionNotAllowed(reason)
    model = type(stateful[0])
    values = dict(values or {})
    for name in own_values:
        values[name] = models.Case(
            *(
                models.When(pk=obj.pk, then=models.Value(getattr(obj, name)))
                for obj in stateful
            ),
            output_field=model._meta.get_field(name),
        )
    model.objects.filter(pk__in=[obj.pk for obj in objs]).update(
        status=to_status, **values
    )
    audit_log_many(
        actor=by,
        action=action,
        targets=[(obj, obj.status) for obj in stateful],
        to_status=to_status,
        data=data,
        data_for=event_data,
    )
    for obj in stateful:
        obj.status = to_status
