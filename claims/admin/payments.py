"""Mises en paiement in the back-office: build a batch from the validated
claims, export its file for the financial system, print its recap, cancel
it before the export, mark it paid. Every button calls one service of
`claims.services.payments`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.views import document_response
from claims import exports, services
from claims.admin.claims import report_batch
from claims.admin.decisions import REFUSALS, refusal_text
from claims.forms import PrintableFormMixin
from claims.models import PaymentBatch, PaymentBatchStatus
from claims.money import format_money
from claims.review_forms import ReasonForm
from imagin.admin import audit_history_url
from imagin.http import private_file_response
from missions.models import ExamSession


class BatchTotals(TypedDict):
    """What `PaymentBatchAdmin.get_queryset` adds to each batch (the sums are
    None for a batch without claims)."""

    claim_count: int
    remuneration: Decimal | None
    travel: Decimal | None


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A batch as the back-office reads it: with its totals.
    CountedBatch = WithAnnotations[PaymentBatch, BatchTotals]


class BatchUntilForm(PrintableFormMixin, forms.Form):
    until = forms.DateField(
        label=gettext_lazy("Validés jusqu'au (inclus)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Tous les états de frais validés par un gestionnaire jusqu'à cette "
            "date et pas encore mis en paiement."
        ),
        error_messages={
            "required": gettext_lazy("Indiquez une date."),
            "invalid": gettext_lazy("Saisissez une date, par exemple 15/07/2027."),
        },
    )
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"),
        queryset=ExamSession.objects.all(),
        required=False,
        empty_label=gettext_lazy("Toutes les sessions"),
    )
    label = forms.CharField(
        label=gettext_lazy("Libellé (facultatif)"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Par exemple : « Baccalauréat, juillet »."),
    )


@admin.register(PaymentBatch)
class PaymentBatchAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "claim_count",
        "remuneration",
        "travel",
        "created_by",
        "created_at",
        "exported_at",
        "paid_at",
    ]
    list_filter = ["status"]
    list_select_related = ["created_by"]

    def get_list_display(self, request):
        # Where travel is not claimed here, no travel column.
        if settings.TRAVEL_ENABLED:
            return self.list_display
        return [name for name in self.list_display if name != "travel"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                claim_count=Count("claims"),
                remuneration=Sum("claims__remuneration_amount"),
                travel=Sum("claims__travel_amount"),
            )
        )

    @admin.display(description=gettext_lazy("États de frais"))
    def claim_count(self, batch: CountedBatch) -> int:
        return batch.claim_count

    @admin.display(description=gettext_lazy("Rémunération"))
    def remuneration(self, batch: CountedBatch) -> str:
        return format_money(batch.remuneration, batch.currency)

    @admin.display(description=gettext_lazy("Déplacements"))
    def travel(self, batch: CountedBatch) -> str:
        return format_money(batch.travel, batch.currency)

    # Batches change only through the payment services.
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("claims.add_paymentbatch")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/export/",
                wrap(require_POST(self.export_view)),
                name="claims_paymentbatch_export",
            ),
            path(
                "<int:pk>/recapitulatif/",
                wrap(require_GET(self.recap_view)),
                name="claims_paymentbatch_recap",
            ),
            path(
                "<int:pk>/annuler/",
                wrap(require_POST(self.cancel_view)),
                name="claims_paymentbatch_cancel",
            ),
            path(
                "<int:pk>/payer/",
                wrap(require_POST(self.paid_view)),
                name="claims_paymentbatch_paid",
            ),
            *super().get_urls(),
        ]

    def _batch(self, request: HttpRequest, pk) -> CountedBatch:
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = self.get_queryset(request).filter(pk=pk).first()
        if batch is None:
            raise Http404
        return batch

    def _deciding(self, request: HttpRequest, pk) -> CountedBatch:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        return self._batch(request, pk)

    def add_view(self, request, form_url="", extra_context=None):
        """All validated claims up to a date (the queue's action takes a
        selection instead)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BatchUntilForm(
            request.POST or None, initial={"until": timezone.localdate()}
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            ids = services.claims_payable_until(
                until=data["until"],
                session_id=data["session"].pk if data["session"] else None,
            )
            try:
                outcome = services.payment_batch_create(
                    claim_ids=ids, by=request.user, label=data["label"]
                )
            except REFUSALS as refused:
                messages.error(request, refusal_text(refused))
            else:
                report_batch(request, outcome)
                return redirect("admin:claims_paymentbatch_change", outcome.batch.pk)
        return TemplateResponse(
            request,
            "admin/claims/paymentbatch/add.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Constituer une mise en paiement"),
                "form": form,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        object_id = str(object_id)
        if not (object_id.isascii() and object_id.isdigit()):
            raise Http404
        return self.detail(request, self._batch(request, object_id))

    def detail(
        self, request: HttpRequest, batch: CountedBatch, cancel_form=None, status=200
    ) -> HttpResponse:
        may_decide = self.has_decide_permission(request)
        return TemplateResponse(
            request,
            "admin/claims/paymentbatch/detail.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": str(batch),
                "original": batch,
                "batch": batch,
                "claims": list(exports.batch_claims(batch)),
                "total": (batch.remuneration or 0) + (batch.travel or 0),
                "may_export": may_decide
                and batch.status != PaymentBatchStatus.CANCELLED,
                "may_cancel": may_decide and batch.status == PaymentBatchStatus.OPEN,
                "may_pay": may_decide and batch.status == PaymentBatchStatus.EXPORTED,
                "cancel_form": cancel_form
                or ReasonForm(label=_("Motif de l'annulation du lot")),
                "audit_url": audit_history_url(batch),
            },
            status=status,
        )

    def export_view(
        self, request: AuthenticatedHttpRequest, pk: int
    ) -> HttpResponseBase:
        batch = self._deciding(request, pk)
        try:
            filename, content = services.payment_batch_export(
                batch=batch, by=request.user
            )
        except REFUSALS as refused:
            messages.error(request, refusal_text(refused))
            return redirect("admin:claims_paymentbatch_change", batch.pk)
        return private_file_response(
            content, filename=filename, content_type="text/csv; charset=utf-8"
        )

    def recap_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        batch = self._batch(request, pk)
        if not exports.recap_ready(batch):
            # Not laid out yet, or its file was lost: ask again (laying it out
            # twice is harmless); with the immediate backend it is ready now.
            services.payments.schedule_recap(batch)
            batch = self._batch(request, pk)
        if not exports.recap_ready(batch):
            messages.info(
                request,
                _(
                    "Le récapitulatif est en préparation (quelques secondes pour "
                    "un grand lot) : réessayez dans un instant."
                ),
            )
            return redirect("admin:claims_paymentbatch_change", batch.pk)
        return document_response(
            batch.recap, download_name=f"mise-en-paiement-{batch.reference}"
        )

    def cancel_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        batch = self._deciding(request, pk)
        form = ReasonForm(request.POST, label=_("Motif de l'annulation du lot"))
        if not form.is_valid():
            messages.error(request, _("Indiquez le motif de l'annulation du lot."))
            return self.detail(request, batch, cancel_form=form, status=400)
        try:
            services.payment_batch_cancel(
                batch=batch, by=request.user, reason=form.cleaned_data["reason"]
            )
        except REFUSALS as refused:
            messages.error(request, refusal_text(refused))
            return self.detail(
                request, self._batch(request, pk), cancel_form=form, status=409
            )
        messages.success(
            request,
            _("Le lot est annulé : ses états de frais sont de nouveau « validés »."),
        )
        return redirect("admin:claims_paymentbatch_change", batch.pk)

    def paid_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        batch = self._deciding(request, pk)
        try:
            services.payment_batch_mark_paid(batch=batch, by=request.user)
        except REFUSALS as refused:
            messages.error(request, refusal_text(refused))
        else:
            messages.success(
                request,
                _("Le lot est payé ; les intervenants sont prévenus par courriel."),
            )
        return redirect("admin:claims_paymentbatch_change", batch.pk)
