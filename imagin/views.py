"""Pages that belong to no app: the home page and the error handlers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """Render the 500 page without the request's context processors.

    Whatever broke the request may break them too, so the page gets only what
    it needs from settings, and falls back to plain text if even that fails.
    """
    context = {
        "AUTHORITY_NAME": settings.AUTHORITY_NAME,
        "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
    }
    try:
        body = loader.get_template("500.html").render(context)
    except Exception:  # noqa: BLE001 - the error page must never fail
        logger.exception("The 500 page could not be rendered.")
        body = "<h1>Erreur inattendue</h1>"
    return HttpResponseServerError(body)
