"""Back-office for preparing a session: exams, épreuves, centres, missions..."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from claims.file_reminders import FinancialFileFilter, financial_file_column
from imagin.admin import HistoryLinkMixin, SafeDateHierarchyMixin
from imagin.admin_autocomplete import SafeAutocompleteMixin
from imagin.admin_export import ExportMixin
from imagin.admin_import import ImportMixin
from imagin.uploads import validate_upload_size
from missions import rules
from missions.admin_auto import AutoAssignmentMixin
from missions.admin_emergency import ReinforcementsMixin
from missions.certificates import CentreHead
from missions.exam_imports import EXAMS
from missions.imports import COLUMNS, missions_import
from missions.models import (
    Assignment,
    Availability,
    Centre,
    Competence,
    Discipline,
    Epreuve,
    Exam,
    ExamSession,
    Mission,
    MissionType,
)
from missions.participant_imports import PARTICIPANTS
from missions.reference_imports import CENTRES
from missions.rules import ACTIVE
from missions.services import assignment_create, assignment_withdraw

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


@admin.register(ExamSession)
class ExamSessionAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "assignment_closes_on", "claim_deadline"]
    search_fields = ["name"]


@admin.register(Exam)
class ExamAdmin(ImportMixin, admin.ModelAdmin):
    import_kind = EXAMS
    list_display = [
        "name",
        "code",
        "kind",
        "copy_rate_level",
        "hour_rate_level",
        "vae_coefficient",
        "session",
    ]
    list_filter = ["session", "kind"]
    search_fields = ["name", "code"]
    list_select_related = ["session"]


@admin.register(Discipline)
class DisciplineAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Epreuve)
class EpreuveAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "exam",
        "discipline",
        "form",
        "minutes_per_candidate",
        "optional",
    ]
    list_filter = ["exam__session", "exam", "discipline", "form", "optional"]
    search_fields = ["code", "name"]
    list_select_related = ["exam__session", "discipline"]
    autocomplete_fields = ["exam", "discipline"]


class CentreHeadInline(admin.TabularInline):
    model = CentreHead
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Centre)
class CentreAdmin(ImportMixin, SafeAutocompleteMixin, admin.ModelAdmin):
    import_kind = CENTRES
    list_display = ["name", "code", "commune"]
    search_fields = ["name", "code"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune", "establishment"]
    # Who heads the centre: they certify the service done of its missions.
    inlines = [CentreHeadInline]


@admin.register(MissionType)
class MissionTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "payment_basis",
        "counts_candidates",
        "travel_eligible",
    ]
    search_fields = ["name", "code"]


class MissionImportForm(forms.Form):
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"), queryset=ExamSession.objects.all()
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV"),
        help_text=gettext_lazy(
            "Une ligne par mission, séparateur point-virgule, en-tête obligatoire."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload_size(upload)
        return upload


class StaffingFilter(admin.SimpleListFilter):
    """Missions with fewer people assigned than they need (or not)."""

    title = gettext_lazy("intervenants affectés")
    parameter_name = "pourvue"

    def lookups(self, request, model_admin):
        return [("non", _("Incomplète")), ("oui", _("Complète"))]

    def queryset(self, request, queryset):
        if self.value() == "non":
            return queryset.filter(staffed__lt=F("staffing_need"))
        if self.value() == "oui":
            return queryset.filter(staffed__gte=F("staffing_need"))
        return queryset


class Staffed(TypedDict):
    """What `MissionAdmin.get_queryset` adds to each mission."""

    staffed: int


@admin.register(Mission)
class MissionAdmin(
    AutoAssignmentMixin,
    ReinforcementsMixin,
    ExportMixin,
    SafeAutocompleteMixin,
    SafeDateHierarchyMixin,
    admin.ModelAdmin,
):
    list_display = [
        "__str__",
        "exam",
        "centre",
        "starts_at",
        "ends_at",
        "planned_volume",
        "staffing",
    ]
    list_filter = [StaffingFilter, "exam__session", "exam", "mission_type", "centre"]
    search_fields = ["epreuve__name", "epreuve__code", "exam__name"]
    list_select_related = [
        "exam__session",
        "epreuve",
        "mission_type",
        "centre__commune",
    ]
    autocomplete_fields = ["exam", "epreuve", "centre"]
    date_hierarchy = "starts_at"
    # The missions with their staffing as a file (imagin.admin_export).
    export_fields = [
        (gettext_lazy("Session"), "exam.session.name"),
        (gettext_lazy("Examen"), "exam.name"),
        (gettext_lazy("Type de mission"), "mission_type.name"),
        (gettext_lazy("Code de l'épreuve"), "epreuve.code"),
        (gettext_lazy("Épreuve"), "epreuve.name"),
        (gettext_lazy("Centre"), "centre.name"),
        (gettext_lazy("Commune"), "centre.commune.name"),
        (gettext_lazy("Début"), "starts_at"),
        (gettext_lazy("Fin"), "ends_at"),
        (gettext_lazy("Volume prévu"), "planned_volume"),
        (gettext_lazy("Intervenants nécessaires"), "staffing_need"),
        (gettext_lazy("Intervenants affectés"), "staffed"),
        (
            gettext_lazy("Noms des intervenants affectés"),
            lambda mission: ", ".join(str(a.participant) for a in mission.export_staff),
        ),
    ]
    export_prefetch = [
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(status__in=ACTIVE)
            .select_related("participant")
            .order_by("participant__last_name", "participant__first_name"),
            to_attr="export_staff",
        )
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                staffed=Count("assignments", filter=Q(assignments__status__in=ACTIVE))
            )
        )

    @admin.display(description=gettext_lazy("Intervenants"), ordering="staffed")
    def staffing(self, mission: WithAnnotations[Mission, Staffed]) -> str:
        # A link: from the list, the manager goes straight to the assignment page.
        staffed = _("%(staffed)d sur %(need)d") % {
            "staffed": mission.staffed,
            "need": mission.staffing_need,
        }
        return format_html(
            '<a href="{}" aria-label="{}">{}</a>',
            reverse("admin:missions_mission_assign", args=[mission.pk]),
            _("%s : affecter des intervenants") % staffed,
            staffed,
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("importer/", wrap(self.import_view), name="missions_mission_import"),
            path(
                "<int:pk>/affecter/",
                wrap(self.assign_view),
                name="missions_mission_assign",
            ),
            path(
                "<int:pk>/renforts/",
                wrap(self.reinforcements_view),
                name="missions_mission_reinforcements",
            ),
            path(
                "renforts/",
                wrap(self.reinforcements_day_view),
                name="missions_mission_reinforcements_day",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MissionImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            result = missions_import(
                session=form.cleaned_data["session"],
                content=form.cleaned_data["file"].read(),
                by=request.user,
            )
            if not result.errors:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d mission importée.",
                        "%(n)d missions importées.",
                        result.created,
                    )
                    % {"n": result.created},
                )
                return redirect("admin:missions_mission_changelist")
            errors = result.errors
        return render(
            request,
            "admin/missions/mission/import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Importer des missions (CSV)"),
                "form": form,
                "errors": errors,
                "columns": COLUMNS,
            },
        )

    def assign_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        mission = self.get_object(request, str(pk))
        if mission is None:
            raise Http404
        if not self.has_change_permission(request, mission):
            raise PermissionDenied
        if request.method == "POST":
            self._assign_action(request, mission)
            return redirect(request.get_full_path())
        everyone = request.GET.get("tous") == "1"
        return render(
            request,
            "admin/missions/mission/assign.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": mission,
                "title": _("Affecter des intervenants"),
                "staffing": rules.rank_candidates(mission, everyone=everyone),
                "everyone": everyone,
            },
        )

    def _assign_action(
        self, request: AuthenticatedHttpRequest, mission: Mission
    ) -> None:
        action = request.POST.get("action")
        try:
            if action == "assign":
                participant_pk = _int(request.POST.get("participant"))
                participant = (
                    None
                    if participant_pk is None
                    else User.objects.filter(pk=participant_pk, is_active=True).first()
                )
                if participant is None:
                    raise ValidationError(_("Intervenant introuvable."))
                assignment_create(
                    mission=mission,
                    participant=participant,
                    by=request.user,
                    override_reason=request.POST.get("override_reason", ""),
                )
                messages.success(
                    request, _("%s est affecté(e) à la mission.") % participant
                )
            elif action == "withdraw":
                assignment_pk = _int(request.POST.get("assignment"))
                assignment = (
                    None
                    if assignment_pk is None
                    else Assignment.objects.filter(
                        pk=assignment_pk, mission=mission
                    ).first()
                )
                if assignment is None:
                    raise ValidationError(_("Affectation introuvable."))
                assignment_withdraw(assignment=assignment, by=request.user)
                messages.success(
                    request,
                    _("%s n'est plus affecté(e) à la mission.")
                    % assignment.participant,
                )
            else:
                raise ValidationError(_("Action inconnue."))
        except ValidationError as refused:
            messages.error(
                request,
                _(
                    "Affectation refusée : %s Pour passer outre, indiquez un motif "
                    "de dérogation."
                )
                % " ".join(refused.messages)
                if action == "assign"
                else " ".join(refused.messages),
            )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


@admin.register(Competence)
class CompetenceAdmin(ImportMixin, SafeAutocompleteMixin, admin.ModelAdmin):
    # Participants are imported with their competences (missions, not
    # accounts: an épreuve is the missions app's).
    import_kind = PARTICIPANTS
    list_display = ["participant", "epreuve"]
    list_filter = ["epreuve__discipline"]
    search_fields = ["participant__last_name", "participant__username", "epreuve__name"]
    list_select_related = ["participant", "epreuve"]
    autocomplete_fields = ["participant", "epreuve"]


@admin.register(Availability)
class AvailabilityAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["participant", "session", "date", "half_day"]
    list_filter = ["session", "half_day"]
    search_fields = ["participant__last_name", "participant__username"]
    list_select_related = ["participant", "session"]
    autocomplete_fields = ["participant"]


@admin.register(Assignment)
class AssignmentAdmin(ExportMixin, HistoryLinkMixin, admin.ModelAdmin):
    # Before a convocation: is the participant's financial file valid on the
    # mission's day (claims.file_reminders)?
    list_display = [
        "participant",
        "mission",
        "status",
        "convoked_at",
        financial_file_column,
    ]
    list_filter = [
        "status",
        "mission__exam__session",
        "mission__exam",
        FinancialFileFilter,
    ]
    search_fields = ["participant__last_name", "participant__username"]
    list_select_related = [
        "participant__financial_file",
        "mission__exam__session",
        "mission__epreuve",
        "mission__mission_type",
    ]
    # The assignments as a file (imagin.admin_export).
    export_fields = [
        (gettext_lazy("Nom"), "participant.last_name"),
        (gettext_lazy("Prénom"), "participant.first_name"),
        (gettext_lazy("N° d'intervenant"), "participant.participant_number"),
        (gettext_lazy("Session"), "mission.exam.session.name"),
        (gettext_lazy("Mission"), "mission"),
        (gettext_lazy("Centre"), "mission.centre.name"),
        (gettext_lazy("Début de la mission"), "mission.starts_at"),
        (gettext_lazy("Statut"), "get_status_display"),
        (gettext_lazy("Convoqué le"), "convoked_at"),
        (gettext_lazy("Motif de dérogation"), "override_reason"),
        (gettext_lazy("Dossier financier"), financial_file_column),
    ]
    export_prefetch = ["mission__centre"]
    # Assignments are made on a mission's "Affecter" page, which checks the
    # rules; convocation status moves through the runs. Here they are read.
    readonly_fields = [
        "mission",
        "participant",
        "status",
        "override_reason",
        "convoked_at",
        "created_at",
        "history",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
