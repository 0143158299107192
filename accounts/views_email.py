"""Changing one's e-mail address: asked on the profile, confirmed by a link.

allauth's own address page (several addresses, a primary one) is not used: a
person has one address, changed on their profile (`accounts.views.profile`).
"""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows import reauthentication
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.emails import (
    EmailChangeRefused,
    email_change_request,
    email_confirmation_send,
    email_to_confirm,
    normalize,
)
from accounts.http import AuthenticatedHttpRequest


def _sent_message(request: HttpRequest, email: str, current: str) -> None:
    text = _(
        "Nous avons envoyé un lien à %(email)s. Ouvrez-le dans les %(days)s jours, "
        "en étant connecté(e) à IMAG'IN, pour que cette adresse devienne la vôtre."
    ) % {"email": email, "days": account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS}
    if current:
        text += " " + _("D'ici là, nous continuons de vous écrire à %(current)s.") % {
            "current": current
        }
    messages.info(request, text)


def _is_new(user, email: str, to_confirm: EmailAddress | None) -> bool:
    already_asked = (
        to_confirm is not None and not to_confirm.primary and to_confirm.email == email
    )
    return email != normalize(user.email) and not already_asked


def profile_email_reauthenticate(
    request: AuthenticatedHttpRequest, email: str, to_confirm: EmailAddress | None
) -> None:
    """Before asking for a new address: whoever has a password types it again
    (allauth's re-authentication, a few minutes valid), so a borrowed session
    cannot move the account's mail, and its password resets, elsewhere.

    Raises ReauthenticationRequired: allauth's middleware keeps the form
    posted, asks for the password, then posts it again. People with nothing
    to re-authenticate with (single sign-on only) go on.
    """
    if not _is_new(request.user, email, to_confirm):
        return
    if not get_adapter(request).get_reauthentication_methods(request.user):
        return
    if not reauthentication.did_recently_reauthenticate(request):
        raise ReauthenticationRequired


def profile_email_change(
    request: AuthenticatedHttpRequest, email: str, to_confirm: EmailAddress | None
) -> None:
    """After the profile is saved: ask for the address typed, if it is new."""
    user = request.user
    if to_confirm is not None and not to_confirm.primary and to_confirm.email == email:
        return  # already asked: the link is on its way (see "send again")
    if email == normalize(user.email):
        if to_confirm is not None and not to_confirm.primary:
            email_change_request(user=user, email=email, request=request)
            messages.info(
                request,
                _("Le changement vers %(email)s est annulé.")
                % {"email": to_confirm.email},
            )
        return
    previous = user.email
    try:
        asked = email_change_request(user=user, email=email, request=request)
    except EmailChangeRefused as error:
        messages.error(request, error.messages[0])
        return
    if asked is None:  # an address already verified as theirs: taken at once
        messages.success(
            request, _("Votre adresse est désormais %(email)s.") % {"email": email}
        )
        return
    _sent_message(request, email, previous)


@login_required
@require_POST
def email_confirmation_resend(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send the confirmation link again, to the address waiting for it."""
    address = email_to_confirm(request.user)
    if address is None:
        messages.info(request, _("Aucune adresse n'attend de confirmation."))
    elif email_confirmation_send(address=address, request=request):
        _sent_message(
            request, address.email, "" if address.primary else request.user.email
        )
    else:
        messages.warning(
            request,
            _(
                "Un lien vient déjà d'être envoyé à %(email)s. Consultez votre "
                "messagerie (et le dossier des indésirables) ; vous pourrez en "
                "demander un autre dans quelques minutes."
            )
            % {"email": address.email},
        )
    return redirect("accounts:profile")


def email_manage(request: HttpRequest) -> HttpResponse:
    """allauth's address page, replaced by the profile (nothing is done here)."""
    return redirect("accounts:profile")
