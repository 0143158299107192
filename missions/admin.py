"""Back-office for preparing a session: exams, épreuves, centres, missions..."""

from __future__ import annotations

from django.contrib import admin

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


@admin.register(ExamSession)
class ExamSessionAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "assignment_closes_on", "claim_deadline"]
    search_fields = ["name"]


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "kind",
        "copy_rate_level",
        "hour_rate_level",
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
class EpreuveAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "exam", "discipline", "form", "optional"]
    list_filter = ["exam__session", "exam", "discipline", "form", "optional"]
    search_fields = ["code", "name"]
    list_select_related = ["exam__session", "discipline"]
    autocomplete_fields = ["exam", "discipline"]


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "commune"]
    search_fields = ["name", "code"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune", "establishment"]


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


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "exam",
        "centre",
        "starts_at",
        "ends_at",
        "planned_volume",
        "staffing_need",
    ]
    list_filter = ["exam__session", "exam", "mission_type", "centre"]
    search_fields = ["epreuve__name", "epreuve__code", "exam__name"]
    list_select_related = [
        "exam__session",
        "epreuve",
        "mission_type",
        "centre__commune",
    ]
    autocomplete_fields = ["exam", "epreuve", "centre"]
    date_hierarchy = "starts_at"


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    list_display = ["participant", "epreuve"]
    list_filter = ["epreuve__discipline"]
    search_fields = ["participant__last_name", "participant__username", "epreuve__name"]
    list_select_related = ["participant", "epreuve"]
    autocomplete_fields = ["participant", "epreuve"]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["participant", "session", "date", "half_day"]
    list_filter = ["session", "half_day"]
    search_fields = ["participant__last_name", "participant__username"]
    list_select_related = ["participant", "session"]
    autocomplete_fields = ["participant"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["participant", "mission", "status", "convoked_at"]
    list_filter = ["status", "mission__exam__session", "mission__exam"]
    search_fields = ["participant__last_name", "participant__username"]
    list_select_related = [
        "participant",
        "mission__exam__session",
        "mission__epreuve",
        "mission__mission_type",
    ]
    # Convocation status only moves through the services (official runs), which
    # write the audit log; the back-office shows it.
    readonly_fields = ["status", "convoked_at"]
    autocomplete_fields = ["participant", "mission"]
