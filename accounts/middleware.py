"""What a signed-in user must do before anything else.

An external participant signed in with their initial password chooses a
personal one; a back-office user, where two-factor authentication is
mandatory, enrols it. Until then, other pages redirect (GET) or refuse (403).
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.roles import is_back_office_user

# Views reachable while a requirement is pending.
ALWAYS_ALLOWED = {
    "health",
    "account_logout",
    # "Rester connecté(e)" before the idle timeout, on the page that holds them.
    "session_keep_alive",
    # The guide and the language switch help with the requirement itself.
    "guide",
    "guide_chapter",
    "guide_search",
    "language",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
}
# The legal pages (accessibility, legal notice, personal data, site map) are
# for everyone at any time: their whole namespace.
ALWAYS_ALLOWED_NAMESPACES = {"legal"}
PASSWORD_CHANGE = {"account_change_password"}
# Enrolling asks to confirm the password first when the sign-in is not recent.
MFA_ENROLMENT = {"account_reauthenticate"}
MFA_PAGES_PREFIX = "mfa_"


class AccountRequirementsMiddleware:
    """Runs once the URL is resolved (`process_view`), on the view Django
    already found: an address that matches no page answers 404 as usual."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args, view_kwargs
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        url_name = (match.url_name if match else "") or ""
        if url_name in ALWAYS_ALLOWED or (
            match and match.namespace in ALWAYS_ALLOWED_NAMESPACES
        ):
            return None
        if user.must_change_password:
            if url_name in PASSWORD_CHANGE:
                return None
            return self._hold(
                request,
                "account_change_password",
                _("Choisissez d'abord votre mot de passe personnel."),
            )
        if settings.MFA_REQUIRED_FOR_STAFF and is_back_office_user(user):
            if (
                url_name.startswith(MFA_PAGES_PREFIX)
                or url_name in MFA_ENROLMENT
                or is_mfa_enabled(user, [Authenticator.Type.TOTP])
            ):
                return None
            return self._hold(
                request,
                "mfa_activate_totp",
                _(
                    "La double authentification est obligatoire pour la gestion : "
                    "activez-la avant de continuer."
                ),
            )
        return None

    def _hold(self, request: HttpRequest, target: str, message: str) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            messages.warning(request, message)
            return redirect(target)
        raise PermissionDenied(message)
