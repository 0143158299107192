"""Pages that belong to no app: the home page, the user guide and the error
handlers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.template import loader

from imagin import help as guide
from imagin.http import never_store

logger = logging.getLogger(__name__)


def _guide_context(**context: object) -> dict[str, object]:
    chapters = guide.current_chapters()
    return {
        "audiences": [
            (audience, [c for c in chapters if c.audience == audience])
            for audience in guide.AUDIENCES
        ],
        "max_query_length": guide.MAX_QUERY_LENGTH,
        **context,
    }


def guide_index(request: HttpRequest) -> HttpResponse:
    """The guide's contents and its search box; open to everyone."""
    return render(request, "imagin/guide_index.html", _guide_context())


def guide_chapter(request: HttpRequest, slug: str) -> HttpResponse:
    chapter = guide.chapter(slug)
    if chapter is None:
        raise Http404
    return render(request, "imagin/guide_chapter.html", _guide_context(chapter=chapter))


def guide_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[: guide.MAX_QUERY_LENGTH]
    results = guide.search(query) if query else []
    return render(
        request,
        "imagin/guide_search.html",
        _guide_context(query=query, results=results),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    """The 400 page: a malformed request, a Host the site does not serve, an
    address with control characters.

    Django raises a bad Host from CommonMiddleware, before authentication: the
    page's context processors (which read `request.user`) would fail and turn
    the 400 into a 500. Such a request gets the page without them.
    """
    if hasattr(request, "user"):
        try:
            response = render(request, "400.html", status=400)
        except Exception:  # noqa: BLE001 - the error page must never fail
            logger.exception("The 400 page could not be rendered with its context.")
        else:
            return never_store(response)
    return never_store(
        HttpResponseBadRequest(_bare_error_page("400.html", "Requête incorrecte"))
    )


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's answer to a rate limit (and the sign-in's, see
    `accounts.views_signin`): the 429 page."""
    response = render(request, "429.html", status=429)
    return never_store(response)


def _bare_error_page(template: str, fallback: str) -> str:
    context = {
        "AUTHORITY_NAME": settings.AUTHORITY_NAME,
        "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
    }
    try:
        return loader.get_template(template).render(context)
    except Exception:  # noqa: BLE001 - the error page must never fail
        logger.exception("The page %s could not be rendered.", template)
        return f"<h1>{fallback}</h1>"


def server_error(request: HttpRequest) -> HttpResponse:
    """Render the 500 page without the request's context processors.

    Whatever broke the request may break them too, so the page gets only what
    it needs from settings, and falls back to plain text if even that fails.
    """
    return never_store(
        HttpResponseServerError(_bare_error_page("500.html", "Erreur inattendue"))
    )
