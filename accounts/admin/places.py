"""Communes and establishments in the back-office."""

from __future__ import annotations

from django.contrib import admin

from accounts.imports import COMMUNES, ESTABLISHMENTS
from accounts.models import (
    Commune,
    Establishment,
)
from imagin.admin_autocomplete import SafeAutocompleteMixin
from imagin.admin_import import ImportMixin


@admin.register(Commune)
class CommuneAdmin(ImportMixin, admin.ModelAdmin):
    import_kind = COMMUNES
    list_display = ["name", "postal_code", "insee_code"]
    search_fields = ["name", "postal_code", "insee_code"]
    filter_horizontal = ["neighbours"]


@admin.register(Establishment)
class EstablishmentAdmin(ImportMixin, SafeAutocompleteMixin, admin.ModelAdmin):
    import_kind = ESTABLISHMENTS
    list_display = ["name", "uai", "commune"]
    search_fields = ["name", "uai"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]
