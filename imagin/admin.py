"""The audit log in the back-office: readable, never writable; and what every
back-office list shares."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect

from imagin.audit import AuditEvent


class SafeDateHierarchyMixin:
    """Django's date drill-down fails (500) on a year such as 9999 typed in the
    address bar; such a request gets the admin's "bad filter" answer instead."""

    LIMITS = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}

    def changelist_view(self, request: HttpRequest, extra_context=None):
        field = getattr(self, "date_hierarchy", None)
        if field:
            for part, (low, high) in self.LIMITS.items():
                value = request.GET.get(f"{field}__{part}")
                if value is None:
                    continue
                if not value.isdigit() or not low <= int(value) <= high:
                    return HttpResponseRedirect(f"{request.path}?e=1")
        return super().changelist_view(request, extra_context)


@admin.register(AuditEvent)
class AuditEventAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "from_status",
        "to_status",
    ]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["actor_label", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["target_type"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
