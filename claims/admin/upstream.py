"""The counts recorded upstream (on-screen marking platform): their list, the
page importing them from a CSV file (`claims.upstream`), and an example file.

Importing is the exam division's (a manager who decides on claims,
`claims.change_claim`); others who see the back-office may read the list.
The rows change only by import: no add, change or delete page. The result
page links to the claims queue filtered on « Comptage de la plateforme »,
where the agreeing claims are validated together with the bulk action.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.http import AuthenticatedHttpRequest
from claims import upstream
from claims.models import UpstreamCount
from imagin.uploads import validate_upload_size
from missions.models import ExamSession

IMPORT = "admin/claims/upstream_import.html"
RESULT = "admin/claims/upstream_result.html"


class UpstreamImportForm(forms.Form):
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"), queryset=ExamSession.objects.all()
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV"),
        help_text=gettext_lazy(
            "Une ligne par intervenant et par épreuve (ou mission), "
            "séparateur point-virgule ou virgule, en-tête obligatoire."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload_size(upload)
        return upload


class SessionFilter(admin.SimpleListFilter):
    """The session of a count's épreuve, or of its mission."""

    title = gettext_lazy("session")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        return [(str(s.pk), s.name) for s in ExamSession.objects.order_by("-year")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value or not value.isdigit() or len(value) > 12:
            return queryset
        return queryset.filter(
            Q(epreuve__exam__session_id=value) | Q(mission__exam__session_id=value)
        )


@admin.register(UpstreamCount)
class UpstreamCountAdmin(admin.ModelAdmin):
    list_display = [
        "participant",
        "number",
        "subject",
        "copies",
        "candidates",
        "imported_at",
        "source_file",
        "imported_by",
    ]
    list_display_links = None
    list_filter = [SessionFilter, "imported_at"]
    list_select_related = [
        "participant",
        "epreuve__exam",
        "mission__mission_type",
        "imported_by",
    ]
    search_fields = [
        "participant__participant_number",
        "participant__last_name",
        "participant__username",
    ]
    actions = None
    change_list_template = "admin/claims/upstream_change_list.html"

    @admin.display(
        description=gettext_lazy("N° d'intervenant"),
        ordering="participant__participant_number",
    )
    def number(self, count: UpstreamCount) -> str:
        return count.participant.participant_number or "—"

    @admin.display(description=gettext_lazy("Épreuve ou mission"))
    def subject(self, count: UpstreamCount) -> str:
        if count.mission is not None:
            return _("mission n° %(pk)d (%(type)s)") % {
                "pk": count.mission.pk,
                "type": count.mission.mission_type.name,
            }
        return str(count.epreuve)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_import_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.has_perm("claims.add_upstreamcount") and user.has_perm(
            "claims.change_claim"
        )

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request,
            {
                "may_import": self.has_import_permission(request),
                **(extra_context or {}),
            },
        )

    def get_urls(self):
        """The list, the import and the example: no page per row."""
        wrap = self.admin_site.admin_view
        return [
            path(
                "", wrap(self.changelist_view), name="claims_upstreamcount_changelist"
            ),
            path(
                "importer/", wrap(self.import_view), name="claims_upstreamcount_import"
            ),
            path(
                "exemple.csv",
                wrap(self.example_view),
                name="claims_upstreamcount_example",
            ),
        ]

    def import_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = UpstreamImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Importer les comptages de la plateforme (CSV)"),
        }
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            result = upstream.upstream_counts_import(
                session=form.cleaned_data["session"],
                content=upload.read(),
                file_name=upload.name or "",
                by=request.user,
            )
            if not result.errors:
                return TemplateResponse(
                    request,
                    RESULT,
                    {
                        **context,
                        "result": result,
                        "session": form.cleaned_data["session"],
                    },
                )
            errors = result.errors
        return TemplateResponse(
            request,
            IMPORT,
            {
                **context,
                "form": form,
                "errors": errors,
                "example": upstream.EXAMPLE,
                "max_rows": upstream.MAX_ROWS,
            },
            status=400 if errors or form.errors else 200,
        )

    def example_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        response = HttpResponse(
            upstream.EXAMPLE.encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            'attachment; filename="comptages-plateforme-exemple.csv"'
        )
        return response
