"""HTML to PDF with WeasyPrint: the only module (with its worker) that uses it.

Documents are rendered from templates with a print stylesheet from the static
files; no URL is ever fetched (a fetcher that refuses), so a value typed by a
user cannot make the server load a remote resource.

Many documents at once (a convocation run) are laid out in a pool of worker
processes, one per core: WeasyPrint's layout is pure Python and holds the GIL.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Any

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


def render_pdf(
    template: str, context: dict[str, Any], *, stylesheet: str = "imagin/print.css"
) -> bytes:
    return pdf_worker.html_to_pdf(
        render_to_string(template, context), _stylesheet_path(stylesheet)
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
    htmls = [render_to_string(template, context) for context in contexts]
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
