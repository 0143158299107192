"""Template context shared by every page: the deployment's identity and the
page's help link."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest

from imagin import help as guide

logger = logging.getLogger(__name__)


def deployment(request: HttpRequest) -> dict[str, object]:
    return {
        "AUTHORITY_NAME": settings.AUTHORITY_NAME,
        "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
        "CURRENCY": settings.CURRENCY,
        "TRAVEL_ENABLED": settings.TRAVEL_ENABLED,
        # Where travel is not claimed here: how it is refunded instead
        # (templates/claims/_travel_elsewhere.html).
        "TRAVEL_ELSEWHERE_TEXT": settings.TRAVEL_ELSEWHERE_TEXT,
    }


def help_link(request: HttpRequest) -> dict[str, object]:
    """The guide's section for the page being shown (None where there is none,
    as on error pages: the header's "Aide" then opens the guide's contents)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name:
        return {"help": None}
    try:
        return {"help": guide.help_link(match.view_name, match.kwargs)}
    except Exception:  # noqa: BLE001 - a broken guide file must not break every page
        logger.exception("The guide could not be read; pages show no help link.")
        return {"help": None}
