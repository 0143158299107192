"""Financial files and external participants' requests in the back-office:
RIBs read by the division (each download audited), bank details checked by
someone else than who recorded them, requests approved or refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.http import AuthenticatedHttpRequest
from accounts.models import (
    ExternalParticipantRequest,
    FinancialFile,
    RequestStatus,
)
from accounts.security_events import download_recorded
from accounts.selectors import request_possible_duplicates
from accounts.services import (
    external_request_approve,
    external_request_reject,
    financial_file_mark_checked,
)
from accounts.views import document_response
from imagin.admin import HistoryLinkMixin
from imagin.workflow import TransitionNotAllowed

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus (envoyé au demandeur)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@admin.register(FinancialFile)
class FinancialFileAdmin(HistoryLinkMixin, admin.ModelAdmin):
    list_display = ["user", "holder", "masked_iban", "bic", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["user__last_name", "user__username", "holder"]
    list_select_related = ["user"]
    # Every field shown, none editable: one tuple for both attributes (the
    # stubs type a list differently for each).
    readonly_fields = (
        "user",
        "holder",
        "masked_iban",
        "bic",
        "masked_nir",
        "rib_link",
        "status",
        "updated_at",
        "details_changed_by",
        "checked_at",
        "history",
    )
    fields = readonly_fields
    actions = ["mark_checked"]

    @admin.display(description=_("IBAN"))
    def masked_iban(self, file: FinancialFile) -> str:
        return file.masked_iban

    @admin.display(description=_("numéro de sécurité sociale"))
    def masked_nir(self, file: FinancialFile) -> str:
        return file.masked_nir or "—"

    @admin.display(description=_("RIB"))
    def rib_link(self, file: FinancialFile) -> str:
        if not file.rib_document:
            return "—"
        url = reverse("admin:accounts_financialfile_rib", args=[file.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger le RIB"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/rib/",
                self.admin_site.admin_view(self.rib_view),
                name="accounts_financialfile_rib",
            ),
            *super().get_urls(),
        ]

    def rib_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        file = get_object_or_404(FinancialFile, pk=pk)
        if not file.rib_document:
            raise PermissionDenied
        download_recorded(
            by=request.user,
            target=file,
            action="accounts.financial_file.rib_downloaded",
            data={"participant": file.user_id},
        )
        return document_response(file.rib_document, download_name=f"rib-{file.user_id}")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # participants enter their own bank details

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Marquer comme vérifié"))
    def mark_checked(self, request: AuthenticatedHttpRequest, queryset) -> None:
        for file in queryset.select_related("user"):
            try:
                financial_file_mark_checked(file=file, by=request.user)
            except (PermissionDenied, TransitionNotAllowed) as error:
                messages.error(
                    request,
                    _("%(user)s : %(reason)s")
                    % {"user": file.user, "reason": error or _("refusé")},
                )
            else:
                messages.success(
                    request, _("%(user)s : dossier vérifié.") % {"user": file.user}
                )


@admin.register(ExternalParticipantRequest)
class ExternalParticipantRequestAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "category",
        "email",
        "status",
        "created_at",
    ]
    list_filter = ["status", "category"]
    search_fields = ["last_name", "first_name", "email"]
    # Every field shown, none editable: one tuple for both attributes (the
    # stubs type a list differently for each).
    readonly_fields = (
        "category",
        "last_name",
        "first_name",
        "birth_date",
        "email",
        "phone",
        "address",
        "postal_code",
        "commune_name",
        "employer",
        "disciplines_taught",
        "holder",
        "masked_iban",
        "bic",
        "rib_link",
        "status",
        "rejection_reason",
        "participant",
        "created_at",
        "decided_at",
        "duplicates",
    )
    fields = readonly_fields
    change_form_template = "admin/accounts/request_change_form.html"

    @admin.display(description=_("IBAN"))
    def masked_iban(self, obj: ExternalParticipantRequest) -> str:
        return obj.masked_iban

    @admin.display(description=_("RIB"))
    def rib_link(self, obj: ExternalParticipantRequest) -> str:
        # Checked before accepting: the bank details come from this document.
        if not obj.rib_document:
            return "—"
        url = reverse("admin:accounts_request_rib", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger le RIB"))

    @admin.display(description=_("Doublons possibles"))
    def duplicates(self, obj: ExternalParticipantRequest) -> StrOrPromise:
        people = list(request_possible_duplicates(obj))
        if not people:
            return _("Aucun intervenant connu avec ce nom ou cette adresse.")
        return format_html(
            "<strong>{}</strong> {}",
            _("Attention :"),
            ", ".join(f"{person} <{person.email}>" for person in people),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/accepter/",
                self.admin_site.admin_view(self.approve_view),
                name="accounts_request_approve",
            ),
            path(
                "<int:pk>/refuser/",
                self.admin_site.admin_view(self.reject_view),
                name="accounts_request_reject",
            ),
            path(
                "<int:pk>/rib/",
                self.admin_site.admin_view(self.rib_view),
                name="accounts_request_rib",
            ),
            *super().get_urls(),
        ]

    def rib_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(ExternalParticipantRequest, pk=pk)
        if not obj.rib_document:
            raise PermissionDenied
        download_recorded(
            by=request.user, target=obj, action="accounts.request.rib_downloaded"
        )
        return document_response(obj.rib_document, download_name=f"rib-demande-{pk}")

    def _pending(self, request: HttpRequest, pk: int) -> ExternalParticipantRequest:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(ExternalParticipantRequest, pk=pk)

    def approve_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return redirect("admin:accounts_externalparticipantrequest_change", pk)
        obj = self._pending(request, pk)
        try:
            user = external_request_approve(request=obj, by=request.user)
        except (ValidationError, TransitionNotAllowed) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                _(
                    "Intervenant %(number)s créé ; un courriel lui permet de choisir "
                    "son mot de passe."
                )
                % {"number": user.participant_number},
            )
        return redirect("admin:accounts_externalparticipantrequest_change", pk)

    def reject_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        obj = self._pending(request, pk)
        form = RejectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                external_request_reject(
                    request=obj, by=request.user, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, TransitionNotAllowed) as error:
                messages.error(
                    request, " ".join(getattr(error, "messages", [str(error)]))
                )
            else:
                messages.success(request, _("Demande refusée ; le motif a été envoyé."))
            return redirect("admin:accounts_externalparticipantrequest_change", pk)
        return TemplateResponse(
            request,
            "admin/accounts/request_reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Refuser la demande"),
                "form": form,
                "original": obj,
                "opts": self.model._meta,
                "pending": obj.status == RequestStatus.PENDING,
            },
        )
