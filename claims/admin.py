"""Back-office for expense claims and the rate tables that price them."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, ClaimLine, Rate, RateTable
from imagin.audit import audit_log


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


class RateInline(admin.TabularInline):
    model = Rate
    extra = 0
    fields = ["key", "amount"]


@admin.register(RateTable)
class RateTableAdmin(admin.ModelAdmin):
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
