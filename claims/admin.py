"""Back-office for expense claims (checking and deciding comes with the review work)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, ClaimLine


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
    # Statuses and frozen amounts change only through the claim services.
    readonly_fields = [
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
        description=_("Intervenant"), ordering="assignment__participant__last_name"
    )
    def participant(self, claim: Claim):
        return claim.assignment.participant

    @admin.display(description=_("Mission"))
    def mission(self, claim: Claim):
        return claim.assignment.mission

    def has_add_permission(self, request) -> bool:
        # Claims are created by convocations, never by hand.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
