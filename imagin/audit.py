"""The append-only audit log: who did what to which object, when and why.

Every state transition in the services writes one event through `audit_log`.
Events are never updated or deleted, by the ORM or by the back-office.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from imagin.text import printable

# What an event keeps of any text it is given (a reason, a name typed at
# sign-in): enough to read, never a megabyte, never a byte the database refuses.
DATA_TEXT_LIMIT = 2000


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove a recorded event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit events cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")

    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk
        )


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text so the history still names the person if the account goes.
    actor_label = models.CharField(_("auteur (libellé)"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("type d'objet"), on_delete=models.PROTECT
    )
    target_id = models.PositiveBigIntegerField(_("identifiant de l'objet"))
    from_status = models.CharField(_("statut avant"), max_length=40, blank=True)
    to_status = models.CharField(_("statut après"), max_length=40, blank=True)
    data = models.JSONField(_("données"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("événements d'audit")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} ({self.actor_label})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


def _actor_fields(actor: Any) -> dict[str, Any]:
    is_person = actor is not None and getattr(actor, "pk", None) is not None
    return {
        "actor": actor if is_person else None,
        "actor_label": (actor.get_full_name() or actor.get_username())
        if is_person
        else "système",
    }


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value, DATA_TEXT_LIMIT)
    if isinstance(value, dict):
        return {
            printable(str(key), 200): _storable(item) for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_storable(item) for item in value]
    return value


def audit_log(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `actor` is the acting user, or None for the system.

    Call it inside the service's transaction so the event and the change it
    records are committed, or rolled back, together.
    """
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        from_status=from_status,
        to_status=to_status,
        data=_storable(data or {}),
    )


def audit_log_many(
    *,
    actor: Any,
    action: str,
    targets: list[tuple[models.Model, str]],
    to_status: str = "",
    data: dict[str, Any] | None = None,
    data_for: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """Append one event per (target, from_status), in one query: the same
    action on many objects of one model (a payment batch's claims).

    `data_for(target)`, if given, adds each event's own data over `data`
    (the amounts each validated claim was frozen at)."""
    if not targets:
        return
    common = {
        **_actor_fields(actor),
        "action": action,
        "target_type": ContentType.objects.get_for_model(targets[0][0]),
        "to_status": to_status,
    }
    shared = _storable(data or {})
    AuditEvent.objects.bulk_create(
        AuditEvent(
            target_id=target.pk,
            from_status=from_status,
            data={**shared, **_storable(data_for(target))} if data_for else shared,
            **common,
        )
        for target, from_status in targets
    )
