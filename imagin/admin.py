"""The audit log in the back-office: readable, never writable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from imagin.audit import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
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
