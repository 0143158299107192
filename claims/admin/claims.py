"""The claims queue and the claim review page of the back-office.

The queue filters, searches and sorts the claims oldest-waiting first, with
what was declared and what it is worth; its actions validate many claims at
once or put them into payment; its filters are saved as work queues
(`claims.admin.work_queues`). A claim's page shows everything a manager
checks and offers the decisions of `claims.services.review`, each greyed out
with its reason when it does not apply. Nothing here changes a claim
directly: every button calls one service.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.security_events import download_recorded
from accounts.views import document_response
from claims import history, selectors, services
from claims.admin import bulk
from claims.admin.decisions import DECISIONS, REFUSALS, decision_panels, refusal_text
from claims.admin.plausibility import PlausibilityFilter, review_flags
from claims.admin.queue_filters import (
    QueueFilter,
    ReturnedSinceFilter,
    ServiceFaitFilter,
    UpstreamFilter,
)
from claims.admin.work_queues import WorkQueuesMixin
from claims.models import Claim, ClaimStatus, SupportingDocument
from claims.money import format_money, format_quantity
from imagin.admin import audit_history_url
from imagin.admin_export import ExportMixin
from missions.certificates import certificate_of

# ------------------------------------------------------------------ queue


class ClaimChangeList(ChangeList):
    """Prices the page's claims together (a fixed number of queries)."""

    def get_results(self, request):
        super().get_results(request)
        page = list(self.result_list)
        priced = selectors.amounts_of(page)
        for claim in page:
            claim.computed_amounts = priced[claim.pk]


def declared_text(claim: Claim) -> str:
    """'58 copies (55 retenues)', '8 candidats · 6 h', 'non effectuée'..."""
    if claim.status == ClaimStatus.NOT_PERFORMED or (
        claim.status == ClaimStatus.CLOSED and claim.not_performed_comment
    ):
        return _("mission non effectuée")
    parts = []
    for declared, validated, unit in (
        ("copies_declared", "copies_validated", _("copies")),
        ("candidates_declared", "candidates_validated", _("candidats")),
        ("hours_declared", "hours_validated", _("h")),
    ):
        value = getattr(claim, declared)
        if value is None:
            continue
        text = f"{format_quantity(value)} {unit}"
        kept = getattr(claim, validated)
        if kept is not None and kept != value:
            text += " " + _("(retenu : %s)") % format_quantity(kept)
        parts.append(text)
    return " · ".join(parts) or "—"


def _amount_kind(claim: Claim) -> str:
    """Whether an exported amount is the frozen one or an estimate."""
    if claim.is_priced:
        return _("définitif")
    priced = getattr(claim, "computed_amounts", None)
    return _("incomplet") if priced is None or priced.problems else _("estimation")


@admin.register(Claim)
class ClaimAdmin(WorkQueuesMixin, ExportMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "participant",
        "mission",
        "status",
        "declared",
        "amount",
        "waiting_since",
        "service_fait",
        "payment_batch",
    ]
    list_display_links = ["number", "participant"]
    list_filter = [
        QueueFilter,
        ReturnedSinceFilter,
        UpstreamFilter,
        "status",
        "assignment__mission__exam__session",
        "assignment__mission__exam",
        ("assignment__mission__epreuve", admin.RelatedOnlyFieldListFilter),
        "assignment__mission__mission_type",
        ("assignment__mission__centre", admin.RelatedOnlyFieldListFilter),
        ServiceFaitFilter,
        PlausibilityFilter,
    ]
    search_fields = [
        "assignment__participant__last_name",
        "assignment__participant__first_name",
        "assignment__participant__username",
        "assignment__participant__participant_number",
    ]
    search_help_text = gettext_lazy(
        "Nom, prénom, identifiant ou numéro d'intervenant, ou numéro d'état de frais."
    )
    list_select_related = (*selectors.REVIEW_RELATED, "assignment__service_certificate")
    # Oldest waiting first: the claims submitted longest ago, then the rest.
    ordering = [selectors.WAITING_ORDER, "pk"]
    list_per_page = 50
    # The queue with its work queue's name, or the form saving its filters.
    change_list_template = "admin/claims/claim/queue_change_list.html"
    actions = ["approve_selected", "put_into_payment", *bulk.DECISION_ACTIONS]
    # The queue as a file (imagin.admin_export), priced by chunks below.
    export_fields = [
        (gettext_lazy("N°"), "pk"),
        (gettext_lazy("Nom"), "assignment.participant.last_name"),
        (gettext_lazy("Prénom"), "assignment.participant.first_name"),
        (gettext_lazy("N° d'intervenant"), "assignment.participant.participant_number"),
        (gettext_lazy("Session"), "assignment.mission.exam.session.name"),
        (gettext_lazy("Examen"), "assignment.mission.exam.name"),
        (gettext_lazy("Type de mission"), "assignment.mission.mission_type.name"),
        (gettext_lazy("Épreuve"), "assignment.mission.epreuve.name"),
        (gettext_lazy("Centre"), "assignment.mission.centre.name"),
        (gettext_lazy("Début de la mission"), "assignment.mission.starts_at"),
        (gettext_lazy("Statut"), "get_status_display"),
        (gettext_lazy("Déclaré"), declared_text),
        (gettext_lazy("Montant"), lambda claim: claim.computed_amounts.total),
        (gettext_lazy("Devise"), lambda claim: claim.computed_amounts.currency),
        (gettext_lazy("Nature du montant"), _amount_kind),
        (gettext_lazy("Soumis le"), "submitted_at"),
        (gettext_lazy("Lot de paiement"), "payment_batch"),
    ]

    def prepare_export_chunk(self, request, objects) -> None:
        priced = selectors.amounts_of(objects)
        for claim in objects:
            claim.computed_amounts = priced[claim.pk]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("trips", "meals", "nights", "lines")
        )

    def get_changelist(self, request, **kwargs):
        return ClaimChangeList

    def get_search_results(self, request, queryset, search_term):
        """Names and numbers as usual, and a claim's own number ("n° 123")."""
        filtered = queryset  # the list filters in force apply to the number too
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        term = search_term.strip().removeprefix("n°").strip()
        if term.isascii() and term.isdigit() and len(term) < 12:
            queryset |= filtered.filter(pk=int(term))
        return queryset, may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {"title": _("États de frais mission"), **(extra_context or {})}
        )

    # -- columns

    @admin.display(description=gettext_lazy("N°"), ordering="pk")
    def number(self, claim: Claim) -> int:
        return claim.pk

    @admin.display(
        description=gettext_lazy("Intervenant"),
        ordering="assignment__participant__last_name",
    )
    def participant(self, claim: Claim) -> str:
        return str(claim.assignment.participant)

    @admin.display(
        description=gettext_lazy("Mission"), ordering="assignment__mission__starts_at"
    )
    def mission(self, claim: Claim) -> str:
        mission = claim.assignment.mission
        epreuve = mission.epreuve
        subject = epreuve.name if epreuve is not None else mission.exam.name
        return format_html(
            "{} — {}<br>{}, {}",
            mission.mission_type.name,
            subject,
            mission.centre.name,
            date_format(timezone.localdate(mission.starts_at), "SHORT_DATE_FORMAT"),
        )

    @admin.display(description=gettext_lazy("Déclaré"))
    def declared(self, claim: Claim) -> str:
        return declared_text(claim)

    @admin.display(description=gettext_lazy("Montant"))
    def amount(self, claim: Claim) -> str:
        priced = getattr(claim, "computed_amounts", None)
        if priced is None:
            return "—"
        text = format_money(priced.total, priced.currency)
        if claim.is_priced:
            return text
        if priced.problems:
            return _("incomplet")
        return _("≈ %s (estimation)") % text

    @admin.display(
        description=gettext_lazy("En attente depuis"), ordering="submitted_at"
    )
    def waiting_since(self, claim: Claim):
        return claim.submitted_at

    @admin.display(description=gettext_lazy("Service fait"))
    def service_fait(self, claim: Claim) -> str:
        certificate = certificate_of(claim.assignment)
        if certificate is None:
            return _("en attente")
        return _("certifié") if certificate.present else _("absent")

    # -- permissions: claims come from convocations and change only through
    # the review services.

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("claims.change_claim")

    # -- bulk actions

    @admin.action(
        description=gettext_lazy("Valider les états de frais sélectionnés"),
        permissions=["decide"],
    )
    def approve_selected(self, request, queryset):
        """Validate the selected claims, set-based; a large selection goes to
        the background worker, followed on its own page (`claims.admin.bulk`)."""
        return bulk.approve_selected(self, request, queryset)

    def bulk_approval_view(self, request: HttpRequest, result_id):
        return bulk.progress_view(self, request, result_id)

    @admin.action(
        description=gettext_lazy("Mettre en paiement les états de frais sélectionnés"),
        permissions=["decide"],
    )
    def put_into_payment(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        try:
            outcome = services.payment_batch_create(claim_ids=ids, by=request.user)
        except REFUSALS as refused:
            messages.error(request, refusal_text(refused))
            return None
        report_batch(request, outcome)
        return redirect("admin:claims_paymentbatch_change", outcome.batch.pk)

    # -- the claim's page

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/decision/<slug:decision>/",
                wrap(self.decision_view),
                name="claims_claim_decision",
            ),
            path(
                "validation/<uuid:result_id>/",
                wrap(self.bulk_approval_view),
                name="claims_claim_bulk_approval",
            ),
            path(
                "<int:pk>/justificatifs/<int:document_pk>/",
                wrap(self.document_view),
                name="claims_claim_document",
            ),
            *super().get_urls(),
        ]

    def _claim(self, request: HttpRequest, pk) -> Claim:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            return selectors.claim_for_review(int(pk))
        except (Claim.DoesNotExist, ValueError):
            raise Http404 from None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.review(request, self._claim(request, object_id))

    def review(
        self,
        request: AuthenticatedHttpRequest,
        claim: Claim,
        bound=None,
        status: int = 200,
    ) -> HttpResponse:
        """The review page; `bound` is (decision, form) re-shown with what the
        manager typed when it was refused."""
        may_decide = self.has_decide_permission(request)
        panels = decision_panels(claim, request.user, may_decide, bound)
        financial_file = getattr(claim.assignment.participant, "financial_file", None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("État de frais n° %d") % claim.pk,
            "original": claim,
            "claim": claim,
            "declared": declared_text(claim),
            "amounts": (priced := selectors.claim_amounts(claim)),
            "plausibility": review_flags(claim, priced.total),
            "financial_file": financial_file,
            "file_to_renew": bool(
                financial_file and financial_file.is_to_renew(timezone.now())
            ),
            "history": history.claim_history(claim, for_staff=True),
            "audit_url": audit_history_url(claim),
            "panels": panels,
            "own_claim": services.review.is_own_claim(claim, request.user),
            "next_claim": selectors.next_to_review(request.user, after=claim),
        }
        return TemplateResponse(
            request, "admin/claims/claim/review.html", context, status=status
        )

    def decision_view(self, request: AuthenticatedHttpRequest, pk: int, decision: str):
        return require_POST(self._decide)(request, pk, decision)

    def _decide(self, request: AuthenticatedHttpRequest, pk: int, name: str):
        """Any decision of `DECISIONS`, by the name in its URL."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        claim = self._claim(request, pk)
        decision = DECISIONS.get_or_404(name)
        form = decision.form(claim, request.POST)
        bound = (decision.name, form)
        if not form.is_valid():
            messages.error(request, _("Corrigez le formulaire ci-dessous."))
            return self.review(request, claim, bound=bound, status=400)
        try:
            done = decision.apply(claim, request.user, form)
        except REFUSALS as refused:
            messages.error(request, refusal_text(refused))
            claim = self._claim(request, pk)  # as it is now
            return self.review(request, claim, bound=bound, status=409)
        messages.success(request, decision.success(done))
        return redirect("admin:claims_claim_change", claim.pk)

    def document_view(self, request: HttpRequest, pk: int, document_pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(SupportingDocument, pk=document_pk, claim_id=pk)
        download_recorded(
            by=request.user,
            target=document.claim,
            action="claims.claim.document_downloaded",
            data={"document": document.pk, "kind": document.kind},
        )
        return document_response(
            document.file, download_name=f"justificatif-{pk}-{document.pk}"
        )


def report_batch(request: HttpRequest, outcome: services.BatchOutcome) -> None:
    """Say what went into a new batch and what was left out, and why."""
    batch = outcome.batch
    count = batch.claims.count()
    messages.success(
        request,
        ngettext(
            "Lot %(ref)s constitué : %(n)d état de frais mis en paiement.",
            "Lot %(ref)s constitué : %(n)d états de frais mis en paiement.",
            count,
        )
        % {"ref": batch.reference, "n": count},
    )
    shown = outcome.excluded[:20]
    for claim, why in shown:
        messages.warning(
            request,
            _("N° %(pk)d (%(who)s) laissé de côté : %(why)s.")
            % {"pk": claim.pk, "who": claim.assignment.participant, "why": why},
        )
    if len(outcome.excluded) > len(shown):
        messages.warning(
            request,
            _("… et %d autres laissés de côté.") % (len(outcome.excluded) - len(shown)),
        )
