"""Back-office for the rate tables: administrators keep them, managers read them."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils import translation

from claims.models import Rate, RateTable
from imagin.admin import SafeDateHierarchyMixin
from imagin.audit import audit_log


class RateInline(admin.TabularInline):
    model = Rate
    extra = 0
    fields = ["key", "amount"]


def _recorded_label(table) -> str:
    """A deleted table's name as the audit log keeps it: in French, whatever
    language the administrator reads the back-office in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(table)


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
            data={"table": _recorded_label(obj)},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # "Delete selected" in the list: each table is logged like one by one.
        for table in queryset:
            audit_log(
                actor=request.user,
                action="claims.rate_table.deleted",
                target=table,
                data={"table": _recorded_label(table)},
            )
        super().delete_queryset(request, queryset)
