"""Back-office for expense claims and the rate tables that price them."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import Claim, ClaimLine, ConvocationRun, Rate, RateTable
from claims.runs import run_cancel, run_start
from imagin.admin import SafeDateHierarchyMixin
from imagin.audit import audit_log
from missions.models import Centre, Exam, ExamSession


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "label", "date", "quantity", "unit_rate", "amount"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "participant",
        "mission",
        "status",
        "remuneration_amount",
        "travel_amount",
        "updated_at",
    ]
    list_filter = [
        "status",
        "assignment__mission__exam__session",
        "assignment__mission__exam",
        "assignment__mission__mission_type",
    ]
    search_fields = [
        "assignment__participant__last_name",
        "assignment__participant__username",
    ]
    list_select_related = [
        "assignment__participant",
        "assignment__mission__exam",
        "assignment__mission__epreuve",
        "assignment__mission__mission_type",
    ]
    # Everything on a claim changes through the claim services, which lock the
    # row, check the status and write the audit log: the page only shows it.
    readonly_fields = [
        "run",
        "copies_declared",
        "candidates_declared",
        "hours_declared",
        "not_performed_comment",
        "copies_validated",
        "candidates_validated",
        "hours_validated",
        "manager_amount",
        "assignment",
        "status",
        "status_before_cancel",
        "has_travel_part",
        "remuneration_amount",
        "travel_amount",
        "currency",
        "version",
        "submitted_at",
        "approved_at",
        "created_at",
        "updated_at",
    ]
    inlines = [ClaimLineInline]

    @admin.display(
        description=gettext_lazy("Intervenant"),
        ordering="assignment__participant__last_name",
    )
    def participant(self, claim: Claim):
        return claim.assignment.participant

    @admin.display(description=gettext_lazy("Mission"))
    def mission(self, claim: Claim):
        return claim.assignment.mission

    def has_add_permission(self, request) -> bool:
        # Claims are created by convocations, never by hand.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only: decisions go through the claim services

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RateInline(admin.TabularInline):
    model = Rate
    extra = 0
    fields = ["key", "amount"]


@admin.register(RateTable)
class RateTableAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):
    """Administrators keep the regulation's figures up to date; managers read them.

    A new text is entered as a new table starting on its date, after closing
    the previous one the day before; overlapping periods are refused.
    """

    list_display = [
        "kind",
        "zone",
        "currency",
        "valid_from",
        "valid_until",
        "reference",
    ]
    list_filter = ["kind", "zone", "currency"]
    search_fields = ["reference"]
    date_hierarchy = "valid_from"
    inlines = [RateInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,
            action="claims.rate_table.changed"
            if change
            else "claims.rate_table.created",
            target=obj,
            data={"fields": form.changed_data},
        )

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        changed = [
            {"key": rate.key, "amount": str(rate.amount)}
            for rate in [
                *formset.new_objects,
                *(o for o, _f in formset.changed_objects),
            ]
        ]
        removed = [rate.key for rate in formset.deleted_objects]
        if changed or removed:
            audit_log(
                actor=request.user,
                action="claims.rate_table.rates_changed",
                target=form.instance,
                data={"changed": changed, "removed": removed},
            )

    def delete_model(self, request, obj) -> None:
        audit_log(
            actor=request.user,
            action="claims.rate_table.deleted",
            target=obj,
            data={"table": str(obj)},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # "Delete selected" in the list: each table is logged like one by one.
        for table in queryset:
            audit_log(
                actor=request.user,
                action="claims.rate_table.deleted",
                target=table,
                data={"table": str(table)},
            )
        super().delete_queryset(request, queryset)


class ConvocationRunForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Nature"),
        choices=ConvocationRun.Kind.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "L'impression de contrôle ne change rien ; le tirage officiel convoque, "
            "ouvre les états de frais et envoie les convocations."
        ),
    )
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"), queryset=ExamSession.objects.all()
    )
    exam = forms.ModelChoiceField(
        label=gettext_lazy("Examen"),
        queryset=Exam.objects.all(),
        required=False,
        help_text=gettext_lazy("Vide : tous les examens de la session."),
    )
    centre = forms.ModelChoiceField(
        label=gettext_lazy("Centre"),
        queryset=Centre.objects.all(),
        required=False,
        help_text=gettext_lazy("Vide : tous les centres."),
    )

    def clean(self):
        data = super().clean()
        exam, session = data.get("exam"), data.get("session")
        if exam and session and exam.session_id != session.pk:
            self.add_error(
                "exam", _("Cet examen n'appartient pas à la session choisie.")
            )
        return data


@admin.register(ConvocationRun)
class ConvocationRunAdmin(admin.ModelAdmin):
    """Control prints and official runs: started here, followed here, undone here."""

    list_display = [
        "__str__",
        "status",
        "progress",
        "convoked",
        "emailed",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status", "session"]
    list_select_related = ["session", "exam", "centre", "created_by"]

    @admin.display(description=gettext_lazy("Avancement"))
    def progress(self, run: ConvocationRun) -> str:
        return f"{run.participants_done} / {run.participants_total}"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a run is never edited; its page is read-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/document/",
                wrap(self.document_view),
                name="claims_convocationrun_document",
            ),
            path(
                "<int:pk>/annuler/",
                wrap(self.cancel_view),
                name="claims_convocationrun_cancel",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            **extra,
        }

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ConvocationRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            run = run_start(
                kind=data["kind"],
                session=data["session"],
                exam=data["exam"],
                centre=data["centre"],
                by=request.user,
            )
            messages.success(request, _("%s lancé(e).") % run.get_kind_display())
            return redirect("admin:claims_convocationrun_change", run.pk)
        return render(
            request,
            "admin/claims/convocationrun/start.html",
            self._context(
                request, form=form, title=_("Lancer un tirage des convocations")
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is None or not self.has_view_permission(request, run):
            raise Http404
        return render(
            request,
            "admin/claims/convocationrun/detail.html",
            self._context(
                request,
                run=run,
                original=run,
                title=str(run),
                can_cancel=run.kind == ConvocationRun.Kind.OFFICIAL
                and run.status
                in (ConvocationRun.Status.DONE, ConvocationRun.Status.FAILED)
                and self.has_add_permission(request),
            ),
        )

    def document_view(self, request, pk: int):
        run = self.get_object(request, str(pk))
        if (
            run is None
            or not run.document
            or not self.has_view_permission(request, run)
        ):
            raise Http404
        audit_log(
            actor=request.user,
            action="claims.convocation_run.document_downloaded",
            target=run,
        )
        return FileResponse(
            run.document.open("rb"),
            as_attachment=True,
            filename=run.document.name.rsplit("/", 1)[-1],
            content_type="application/pdf",
        )

    def cancel_view(self, request, pk: int):
        run = self.get_object(request, str(pk))
        if run is None:
            raise Http404
        if not self.has_add_permission(request):
            raise PermissionDenied
        problems: list[str] = []
        if request.method == "POST":
            try:
                run_cancel(run=run, by=request.user)
            except ValidationError as refused:
                problems = refused.messages
            else:
                messages.success(request, _("Le tirage est annulé."))
                return redirect("admin:claims_convocationrun_change", run.pk)
        return render(
            request,
            "admin/claims/convocationrun/cancel.html",
            self._context(
                request, run=run, problems=problems, title=_("Annuler le tirage")
            ),
        )
