"""Work queues: filters of the claims queue saved under a name, that a manager
subscribes to so that the dashboard counts their claims.

A queue is its author's, personal or shared with the division; the division's
built-in queues (`BUILTIN`, created by migration 0015) have no author, are
shared and cannot be renamed or deleted. `query` is the queue page's query
string as the back-office checked it against the queue's own filters
(`claims.admin.queue_query`), which read it again the same way: a query that
no longer fits the filters is shown as such, never applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NAME_MAX_LENGTH = 100
QUERY_MAX_LENGTH = 1000

# The division's queues out of the box, by key: their name in the reader's
# language (the row keeps the French one, for the audit log) and their query.
# Migration 0015 created these rows; a new one needs a data migration too.
BUILTIN: dict[str, tuple[StrOrPromise, str]] = {
    "renvoyes": (_("Renvoyés depuis plus de 7 jours"), "renvoye_depuis=7"),
    "ecarts": (_("Écarts avec le décompte amont"), "comptage=different"),
    "valider": (_("Prêts à valider"), "a_traiter=valider"),
    "points": (_("Points à vérifier"), "a_verifier=tous"),
    "paiement": (_("Validés, à mettre en paiement"), "a_traiter=paiement"),
}


class WorkQueueQuerySet(models.QuerySet["WorkQueue"]):
    def visible_to(self, user) -> WorkQueueQuerySet:
        """The queues `user` may open and subscribe to: shared ones (the
        built-in ones included) and their own."""
        return self.filter(Q(shared=True) | Q(created_by=user))


class WorkQueue(models.Model):
    name = models.CharField(_("nom"), max_length=NAME_MAX_LENGTH)
    # Set for the division's built-in queues only (a key of BUILTIN).
    key = models.CharField(_("file intégrée"), max_length=40, blank=True)
    query = models.CharField(_("filtres"), max_length=QUERY_MAX_LENGTH)
    shared = models.BooleanField(_("partagée avec la division"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_queues",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = WorkQueueQuerySet.as_manager()

    class Meta:
        verbose_name = _("file de travail")
        verbose_name_plural = _("files de travail")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="") & ~Q(query=""),
                name="work_queue_named_with_filters",
            ),
            # A built-in queue has no author and is shared; any other has one.
            models.CheckConstraint(
                condition=Q(key="", created_by__isnull=False)
                | (~Q(key="") & Q(created_by__isnull=True, shared=True)),
                name="work_queue_builtin_or_authored",
            ),
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="work_queue_key_unique"
            ),
            models.UniqueConstraint(
                Lower("name"), "created_by", name="work_queue_name_unique_per_author"
            ),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> StrOrPromise:
        """The name to show: a built-in queue's in the reader's language."""
        builtin = BUILTIN.get(self.key)
        return builtin[0] if builtin else self.name

    @property
    def is_builtin(self) -> bool:
        return bool(self.key)

    def is_authored_by(self, user) -> bool:
        return self.created_by_id is not None and self.created_by_id == user.pk


class WorkQueueSubscription(models.Model):
    """A manager follows a queue: its count is on their dashboard."""

    queue = models.ForeignKey(
        WorkQueue,
        verbose_name=_("file de travail"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gestionnaire"),
        on_delete=models.CASCADE,
        related_name="work_queue_subscriptions",
    )
    created_at = models.DateTimeField(_("abonné le"), auto_now_add=True)

    class Meta:
        verbose_name = _("abonnement à une file de travail")
        verbose_name_plural = _("abonnements aux files de travail")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "manager"], name="work_queue_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.manager} → {self.queue}"
