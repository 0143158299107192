"""How a single sign-on is matched to a person, and what is checked first."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from accounts.emails import normalize, verified_owners
from accounts.models import User
from accounts.sso.provider import ImaginOIDCProvider
from accounts.sso.refusal import check_nonce, refuse
from imagin.audit import audit_log

STATE_LENGTH = 43  # ProConnect: at least 32 characters


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def generate_state_param(self, state: dict) -> str:
        return get_random_string(STATE_LENGTH)

    def is_open_for_signup(
        self, request: HttpRequest, sociallogin: SocialLogin
    ) -> bool:
        return settings.SSO_CREATE_UNKNOWN_AGENTS

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Check the nonce, then match the person by a verified address only.

        A first sign-in is linked to the one active account whose own address
        is the provider's, verified on both sides: the provider says so, and
        the address was entered by the division or confirmed by its owner in
        IMAG'IN (`accounts.emails`). An address someone merely typed never
        captures a sign-in. One person never gets two accounts: an address
        that is an account's own but unverified is refused, not given a new
        account.
        """
        provider = sociallogin.account.get_provider()
        if isinstance(provider, ImaginOIDCProvider):
            # Also checked when the ID token comes in (StrictOIDCAdapter):
            # here it covers any other way a login could reach this point.
            check_nonce(
                request,
                expected=(sociallogin.state or {}).get("nonce"),
                received=(sociallogin.account.extra_data or {})
                .get("id_token", {})
                .get("nonce"),
                provider_id=sociallogin.account.provider,
            )
        if sociallogin.is_existing:
            return
        addresses = [
            address for address in sociallogin.email_addresses if address.email
        ]
        for address in addresses:
            if not address.verified:
                continue
            owners = verified_owners(address.email)
            if len(owners) == 1:
                sociallogin.connect(request, owners[0])
                audit_log(
                    actor=owners[0],
                    action="accounts.sso.linked",
                    target=owners[0],
                    data={"provider": provider.name},
                )
                return
        held = [
            address
            for address in addresses
            if User.objects.filter(email__iexact=address.email).exists()
        ]
        if any(not address.verified for address in held):
            refuse(
                request,
                _("Adresse électronique non vérifiée"),
                _(
                    "Votre portail d'authentification n'a pas confirmé votre adresse "
                    "électronique : nous ne pouvons pas vous relier à votre compte "
                    "IMAG'IN. Contactez la division des examens et concours."
                ),
                403,
            )
        if held:
            refuse(
                request,
                _("Adresse électronique non vérifiée"),
                _(
                    "Votre adresse électronique est bien celle d'un compte IMAG'IN, "
                    "mais elle n'y a pas encore été confirmée : nous ne pouvons pas "
                    "encore vous relier à ce compte. Si vous vous connectez aussi "
                    "avec un identifiant, confirmez-la depuis « Mes coordonnées » ; "
                    "sinon, contactez la division des examens et concours."
                ),
                403,
            )
        if settings.SSO_CREATE_UNKNOWN_AGENTS:
            # The provider just proved whose these addresses are: a change
            # someone else asked toward one of them (never confirmed) must not
            # stand in the way of the new account (allauth refuses duplicates).
            EmailAddress.objects.filter(
                email__in=[normalize(a.email) for a in addresses if a.verified],
                verified=False,
                primary=False,
            ).delete()
        else:
            refuse(
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
