"""HTML to PDF with WeasyPrint: the only module (with its worker) that uses it.

Documents are rendered from templates with a print stylesheet from the static
files, in Marianne (`imagin.pdf_worker`); no other file or URL is ever fetched,
so a value typed by a user cannot make the server load a remote resource.

Every document's context holds what its State header and its wording need
(`document_context`): the authority's name, whether travel is claimed here,
and the site's address for the reader, or "" when it is a local address that
only the development machine reaches (the default SITE_URL).

Many documents at once (a convocation run) are laid out in a pool of worker
processes, one per core: WeasyPrint's layout is pure Python and holds the GIL.
"""

from __future__ import annotations

import atexit
import ipaddress
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from imagin import pdf_worker

_pool: ProcessPoolExecutor | None = None


@lru_cache(maxsize=8)
def _stylesheet_path(static_path: str) -> str:
    path = finders.find(static_path)
    if path is None:
        raise FileNotFoundError(static_path)
    return path


def public_site_url() -> str:
    """settings.SITE_URL, or "" when it names the machine itself (the
    development default http://127.0.0.1:8000): a reader cannot go there."""
    host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a name
        return settings.SITE_URL
    if address.is_loopback or address.is_unspecified:
        return ""
    return settings.SITE_URL


def document_context() -> dict[str, Any]:
    """What every document's template may use, under its own context."""
    return {
        "AUTHORITY_NAME": settings.AUTHORITY_NAME,
        "TRAVEL_ENABLED": settings.TRAVEL_ENABLED,
        "SITE_URL": public_site_url(),
    }


def _html(template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, {**document_context(), **context})


def render_pdf(
    template: str, context: dict[str, Any], *, stylesheet: str = "imagin/print.css"
) -> bytes:
    return pdf_worker.html_to_pdf(
        _html(template, context), _stylesheet_path(stylesheet)
    )


def _workers() -> ProcessPoolExecutor | None:
    global _pool
    count = settings.PDF_WORKERS or os.cpu_count() or 1
    if count < 2:
        return None
    if _pool is None:
        # "spawn": workers start clean, sharing no database connection.
        _pool = ProcessPoolExecutor(
            max_workers=count, mp_context=multiprocessing.get_context("spawn")
        )
        atexit.register(_pool.shutdown, cancel_futures=True)
    return _pool


def start_pdfs(
    template: str,
    contexts: list[dict[str, Any]],
    *,
    stylesheet: str = "imagin/print.css",
) -> Callable[[], list[bytes]]:
    """Start laying out one PDF per context in the pool; the function returned
    waits for them and gives them in the same order. Meanwhile the caller
    goes on (a convocation run convokes its next participants)."""
    htmls = [_html(template, context) for context in contexts]
    path = _stylesheet_path(stylesheet)
    pool = _workers() if len(htmls) > 1 else None
    if pool is None:
        pdfs = [pdf_worker.html_to_pdf(html, path) for html in htmls]
        return lambda: pdfs
    futures = [pool.submit(pdf_worker.html_to_pdf, html, path) for html in htmls]
    return lambda: [future.result() for future in futures]


def render_pdfs(
    template: str,
    contexts: list[dict[str, Any]],
    *,
    stylesheet: str = "imagin/print.css",
) -> list[bytes]:
    """One PDF per context, in the same order, laid out in parallel."""
    return start_pdfs(template, contexts, stylesheet=stylesheet)()
