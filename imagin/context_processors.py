"""Template context shared by every page: the deployment's identity."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def deployment(request: HttpRequest) -> dict[str, object]:
    return {
        "AUTHORITY_NAME": settings.AUTHORITY_NAME,
        "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
        "CURRENCY": settings.CURRENCY,
        "TRAVEL_ENABLED": settings.TRAVEL_ENABLED,
    }
