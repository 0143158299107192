"""The claims queue's filters: the manager's work lists across statuses, the
upstream count comparison, the centre head's service fait and the claims sent
back to their participant long ago. Each filter is one condition on the
queryset (no per-row query), so the queue keeps a fixed number of queries
whatever its size.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from claims import selectors, upstream
from claims.models import Claim, ClaimStatus, UpstreamCount
from imagin.audit import AuditEvent
from missions.models import MissionType


class QueueFilter(admin.SimpleListFilter):
    """The manager's work lists, across statuses."""

    title = gettext_lazy("à traiter")
    parameter_name = "a_traiter"

    def lookups(self, request, model_admin):
        return [
            ("decision", _("En attente d'une décision")),
            ("valider", _("Prêts à valider")),
            ("non_effectuees", _("Missions non effectuées, à clore")),
            ("montant", _("Montant à saisir (surveillance…)")),
            ("paiement", _("Validés, à mettre en paiement")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "decision":
            return queryset.filter(selectors.awaiting_decision())
        if value == "valider":
            return queryset.filter(selectors.ready_to_validate())
        if value == "non_effectuees":
            return queryset.filter(status=ClaimStatus.NOT_PERFORMED)
        if value == "montant":
            return queryset.filter(
                assignment__mission__mission_type__payment_basis=(
                    MissionType.PaymentBasis.MANAGER_ENTERED
                ),
                manager_amount__isnull=True,
                status__in=(
                    ClaimStatus.DRAFT,
                    ClaimStatus.RETURNED,
                    ClaimStatus.SUBMITTED,
                ),
            )
        if value == "paiement":
            return queryset.filter(status=ClaimStatus.APPROVED)
        return queryset


class UpstreamFilter(admin.SimpleListFilter):
    """Declared against the counts the marking platform recorded
    (`claims.upstream`): one EXISTS subquery, whatever the page size."""

    title = gettext_lazy("comptage de la plateforme")
    parameter_name = "comptage"

    def lookups(self, request, model_admin):
        return [
            ("conforme", _("conforme")),
            ("different", _("différent")),
            ("absent", _("absent")),
        ]

    def queryset(self, request, queryset):
        recorded = UpstreamCount.objects.filter(upstream.matching())
        differs = Exists(recorded.filter(upstream.differing()))
        if self.value() == "conforme":
            return queryset.filter(Exists(recorded), ~differs)
        if self.value() == "different":
            return queryset.filter(differs)
        if self.value() == "absent":
            return queryset.filter(~Exists(recorded))
        return queryset


class ServiceFaitFilter(admin.SimpleListFilter):
    """The centre head's certificate of service done (missions.certification)."""

    title = gettext_lazy("service fait")
    parameter_name = "service_fait"

    def lookups(self, request, model_admin):
        return [
            ("certifie", _("certifié")),
            ("absent", _("absent")),
            ("attente", _("en attente")),
        ]

    def queryset(self, request, queryset):
        certificate = "assignment__service_certificate"
        if self.value() == "certifie":
            return queryset.filter(**{f"{certificate}__present": True})
        if self.value() == "absent":
            return queryset.filter(**{f"{certificate}__present": False})
        if self.value() == "attente":
            return queryset.filter(**{f"{certificate}__isnull": True})
        return queryset


class ReturnedSinceFilter(admin.SimpleListFilter):
    """Claims sent back to their participant more than N days ago and still
    waiting for them: status « renvoyé » and its last move to that status
    (the audit event of the send-back, or of a restoration to it) older than
    N days. One correlated subquery on the audit log's (object, date) index.
    A claim without such an event (written by hand) is left out: nobody
    knows since when it waits."""

    title = gettext_lazy("renvoyés depuis")
    parameter_name = "renvoye_depuis"
    DAYS = (7, 14, 30)

    def lookups(self, request, model_admin):
        return [
            (str(days), ngettext("plus de %d jour", "plus de %d jours", days) % days)
            for days in self.DAYS
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in {str(days) for days in self.DAYS}:
            return queryset
        since = timezone.now() - timedelta(days=int(value))
        last_sent_back = (
            AuditEvent.objects.filter(
                target_type=ContentType.objects.get_for_model(Claim),
                target_id=OuterRef("pk"),
                to_status=ClaimStatus.RETURNED,
            )
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        return (
            queryset.filter(status=ClaimStatus.RETURNED)
            .alias(returned_at=Subquery(last_sent_back))
            .filter(returned_at__lt=since)
        )
