"""Back-office for people and places, and the back-office site's own settings."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Commune, Establishment, User
from accounts.roles import is_back_office_user

admin.site.site_header = _("IMAG'IN — gestion des examens et concours")
admin.site.site_title = _("IMAG'IN — gestion")
admin.site.index_title = _("Back-office de la division des examens et concours")


def _back_office_permission(request: HttpRequest) -> bool:
    # Being staff is not enough: the back-office is for managers and administrators.
    return is_back_office_user(request.user)


admin.site.has_permission = _back_office_permission


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "last_name", "first_name", "kind", "email", "is_active"]
    list_filter = ["kind", "is_staff", "is_active", "groups"]
    search_fields = [
        "username",
        "participant_number",
        "first_name",
        "last_name",
        "email",
    ]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune", "establishment"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            _("Intervenant"),
            {
                "fields": [
                    "kind",
                    "participant_number",
                    "phone",
                    "address",
                    "commune",
                    "establishment",
                    "corps_category",
                    "load_limit",
                ]
            },
        ),
    ]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "postal_code", "insee_code"]
    search_fields = ["name", "postal_code", "insee_code"]
    filter_horizontal = ["neighbours"]


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["name", "uai", "commune"]
    search_fields = ["name", "uai"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]
