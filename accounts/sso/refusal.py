"""Refusing a single sign-on: the "Connexion refusée" page, and the nonce rule."""

from __future__ import annotations

import logging
import secrets

from allauth.core.exceptions import ImmediateHttpResponse
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger("accounts.sso")


def refuse(request: HttpRequest, title: str, reason: str, status: int) -> None:
    """Stop the sign-in here with a page saying why (raises)."""
    raise ImmediateHttpResponse(
        render(
            request,
            "account/sso_refused.html",
            {"title": title, "reason": reason},
            status=status,
        )
    )


def check_nonce(
    request: HttpRequest, *, expected: object, received: object, provider_id: str
) -> None:
    """Refuse (400) an ID token whose nonce is not the one this browser's
    sign-in sent: a token replayed or injected from another sign-in.

    Only the provider is logged, never the token or the nonces.
    """
    if (
        isinstance(expected, str)
        and isinstance(received, str)
        and expected
        and secrets.compare_digest(expected.encode(), received.encode())
    ):
        return
    logger.warning(
        "SSO sign-in refused: ID token nonce %s (provider %s).",
        "missing" if not received else "mismatch",
        provider_id,
    )
    refuse(
        request,
        _("Connexion refusée"),
        _(
            "La réponse du portail d'authentification n'a pas pu être "
            "vérifiée. Recommencez la connexion depuis IMAG'IN."
        ),
        400,
    )
