"""allauth behaviour for IMAG'IN (sign-in, first password, single sign-out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.emails import TAKEN_MESSAGE, email_change_confirmed, email_taken
from accounts.passwords import initial_password_mark_used
from accounts.security_events import password_reset_requested
from accounts.services import user_language_set
from accounts.sso.views import (
    SESSION_ID_TOKEN,
    SESSION_PROVIDER,
    StrictOIDCAdapter,
)
from imagin.mail import send_templated_mail

if TYPE_CHECKING:
    from allauth.account.models import EmailAddress


def _first_sign_in_message(user) -> str:
    expires_at = user.initial_password_expires_at
    if expires_at is None:
        return _(
            "Bienvenue. Pour protéger votre compte, choisissez maintenant votre mot "
            "de passe personnel. Le mot de passe de votre convocation cessera de "
            "fonctionner dès que vous l'aurez choisi."
        )
    return _(
        "Bienvenue. Pour protéger votre compte, choisissez maintenant votre mot de "
        "passe personnel. D'ici là, le mot de passe de votre convocation reste "
        "valable jusqu'au %(date)s ; il cessera de fonctionner dès que vous aurez "
        "choisi le vôtre."
    ) % {"date": date_format(timezone.localtime(expires_at), "j F Y")}


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
            messages.info(request, _first_sign_in_message(user))

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        password_reset_requested(request=context.get("request"), user=user)
        super().send_password_reset_mail(user, email, context)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "must_change_password", False):
            return reverse("account_change_password")
        return super().get_login_redirect_url(request)

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        # The personal password just replaced the initial one: on to what
        # the participant came for, their claims.
        if getattr(request.user, "initial_password_replaced", False):
            return reverse("claims:list")
        return super().get_password_change_redirect_url(request)

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        if message_template == "account/messages/password_changed.txt" and getattr(
            request.user, "initial_password_replaced", False
        ):
            message = _(
                "Votre mot de passe personnel est enregistré : utilisez-le désormais "
                "pour vous connecter. Le mot de passe initial de votre convocation "
                "ne fonctionne plus. Vous pouvez maintenant saisir vos états de frais."
            )
        super().add_message(
            request, level, message_template, message_context, extra_tags, message
        )

    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation, signup):
        """The link that confirms an address, in IMAG'IN's words and queue."""
        address = emailconfirmation.email_address
        send_templated_mail(
            "email-confirmation",
            to=[address.email],
            context={
                "user": address.user,
                "email": address.email,
                # The site's own address, never one built from the request's
                # Host header.
                "activate_url": settings.SITE_URL
                + reverse("account_confirm_email", args=[emailconfirmation.key]),
                "expire_days": account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
            },
            language=address.user.language,
        )

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        """Verify an address only for the account that asked for it, signed in.

        The link proves who reads the mailbox; being signed in proves which
        account they mean. Someone lured into clicking a link sent to them
        for another account verifies nothing. An address another account has
        meanwhile taken is refused.
        """
        user = email_address.user
        if not request.user.is_authenticated or request.user.pk != user.pk:
            messages.error(
                request,
                _(
                    "Pour confirmer cette adresse, connectez-vous d'abord au compte "
                    "IMAG'IN qui l'a indiquée, puis ouvrez de nouveau le lien."
                ),
            )
            return False
        if email_taken(email_address.email, user=user):
            messages.error(request, TAKEN_MESSAGE)
            return False
        previous = user.email
        with transaction.atomic():
            confirmed = super().confirm_email(request, email_address)
            if confirmed:
                email_change_confirmed(
                    user=user, previous=previous, email=email_address.email
                )
        return confirmed

    def get_email_verification_redirect_url(self, email_address) -> str:
        if not self.request.user.is_authenticated:
            # Signed out (or signed in as someone else): sign in, then back
            # to the link's page to confirm.
            query = urlencode({"next": self.request.path})
            return f"{reverse('account_login')}?{query}"
        return reverse("accounts:profile")

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        """After signing out, end the single sign-on session at the provider too.

        allauth asks for this address before it clears the session, which still
        holds the ID token that the provider needs as `id_token_hint`.
        """
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
