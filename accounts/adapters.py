"""allauth behaviour for IMAG'IN (sign-in, first password, single sign-out)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.services import initial_password_mark_used, user_language_set


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by the exam division (or single sign-on), never
        # by a visitor: an external participant must be known before being paid.
        return False

    def login(self, request: HttpRequest, user) -> None:
        super().login(request, user)
        # The language they sign in with is the one we write to them in.
        user_language_set(user=user, language=translation.get_language())
        if user.must_change_password:
            initial_password_mark_used(user=user)
            messages.info(
                request,
                _(
                    "Bienvenue. Pour protéger votre compte, choisissez maintenant "
                    "votre mot de passe personnel : le mot de passe de votre "
                    "convocation ne servira plus."
                ),
            )

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        from accounts.security_events import password_reset_requested

        password_reset_requested(request=context.get("request"), user=user)
        super().send_password_reset_mail(user, email, context)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "must_change_password", False):
            return reverse("account_change_password")
        return super().get_login_redirect_url(request)

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        """After signing out, end the single sign-on session at the provider too.

        allauth asks for this address before it clears the session, which still
        holds the ID token that the provider needs as `id_token_hint`.
        """
        from accounts.sso.views import (
            SESSION_ID_TOKEN,
            SESSION_PROVIDER,
            StrictOIDCAdapter,
        )

        id_token = request.session.get(SESSION_ID_TOKEN)
        provider_id = request.session.get(SESSION_PROVIDER)
        if id_token and provider_id:
            try:
                url = StrictOIDCAdapter(request, provider_id).end_session_url(
                    id_token=id_token,
                    post_logout_redirect_uri=request.build_absolute_uri(
                        reverse("home")
                    ),
                )
            except Exception:  # noqa: BLE001 - signing out locally must still work
                url = ""
            if url:
                return url
        return super().get_logout_redirect_url(request)
