"""Back-office for people and places, and the back-office site's own settings:
accounts and rights (`users`), communes and establishments (`places`),
financial files and external participants' requests (`financial`)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_back_office_user

admin.site.site_header = _("IMAG'IN — gestion des examens et concours")
admin.site.site_title = _("IMAG'IN — gestion")
admin.site.index_title = _("Back-office de la division des examens et concours")


def _back_office_permission(request: HttpRequest) -> bool:
    # Being staff is not enough: the back-office is for managers and administrators.
    return is_back_office_user(request.user)


# Django's default site, adjusted in place rather than replaced by a subclass:
# the one assignment mypy cannot tell from a mistake.
admin.site.has_permission = _back_office_permission  # type: ignore[method-assign]

from accounts.admin import financial, places, users  # noqa: E402  (registers them)

__all__ = ["financial", "places", "users"]
