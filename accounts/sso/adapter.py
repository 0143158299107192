"""How a single sign-on is matched to a person, and what is checked first."""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.sso.provider import ImaginOIDCProvider
from imagin.audit import audit_log

logger = logging.getLogger(__name__)

STATE_LENGTH = 43  # ProConnect: at least 32 characters


def _refuse(request: HttpRequest, title: str, reason: str, status: int) -> None:
    raise ImmediateHttpResponse(
        render(
            request,
            "account/sso_refused.html",
            {"title": title, "reason": reason},
            status=status,
        )
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def generate_state_param(self, state: dict) -> str:
        return get_random_string(STATE_LENGTH)

    def is_open_for_signup(
        self, request: HttpRequest, sociallogin: SocialLogin
    ) -> bool:
        return settings.SSO_CREATE_UNKNOWN_AGENTS

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Check the nonce, then match the person by a verified e-mail only.

        One person never gets two accounts: an unverified address that belongs
        to someone is refused rather than given a new account.
        """
        if sociallogin.account.provider == ImaginOIDCProvider.id:
            expected = (sociallogin.state or {}).get("nonce")
            received = (
                (sociallogin.account.extra_data or {}).get("id_token", {}).get("nonce")
            )
            if not expected or received != expected:
                logger.warning(
                    "SSO sign-in refused: nonce mismatch (%s).",
                    sociallogin.account.provider,
                )
                _refuse(
                    request,
                    _("Connexion refusée"),
                    _(
                        "La réponse du portail d'authentification n'a pas pu être "
                        "vérifiée. Recommencez la connexion depuis IMAG'IN."
                    ),
                    400,
                )
        if sociallogin.is_existing:
            return
        addresses = [
            address for address in sociallogin.email_addresses if address.email
        ]
        verified = [address.email for address in addresses if address.verified]
        for email in verified:
            matches = list(User.objects.filter(email__iexact=email, is_active=True)[:2])
            if len(matches) == 1:
                sociallogin.connect(request, matches[0])
                audit_log(
                    actor=matches[0],
                    action="accounts.sso.linked",
                    target=matches[0],
                    data={"provider": sociallogin.account.get_provider().name},
                )
                return
        unverified = [address.email for address in addresses if not address.verified]
        if any(
            User.objects.filter(email__iexact=email).exists() for email in unverified
        ):
            _refuse(
                request,
                _("Adresse électronique non vérifiée"),
                _(
                    "Votre portail d'authentification n'a pas confirmé votre adresse "
                    "électronique : nous ne pouvons pas vous relier à votre compte "
                    "IMAG'IN. Contactez la division des examens et concours."
                ),
                403,
            )
        if not settings.SSO_CREATE_UNKNOWN_AGENTS:
            _refuse(
                request,
                _("Compte inconnu"),
                _(
                    "Vous êtes bien authentifié(e), mais vous n'êtes pas encore "
                    "connu(e) d'IMAG'IN. La division des examens et concours crée "
                    "les comptes des intervenants : contactez-la en indiquant votre "
                    "adresse électronique académique."
                ),
                403,
            )

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.kind = User.Kind.AGENT
        return user

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None):
        user = super().save_user(request, sociallogin, form)
        audit_log(
            actor=user,
            action="accounts.participant.created",
            target=user,
            data={"kind": user.kind, "via": sociallogin.account.get_provider().name},
        )
        return user
