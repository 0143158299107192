"""HTML to PDF with WeasyPrint: the only module that imports it.

Documents are rendered from templates with a print stylesheet from the static
files; no URL is ever fetched (base_url None, a fetcher that refuses), so a
value typed by a user cannot make the server load a remote resource.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

# Font discovery is the slow part of a first rendering; share it per process.
_fonts = FontConfiguration()


class ExternalResourceRefused(Exception):
    pass


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict:
    raise ExternalResourceRefused(url)


@lru_cache(maxsize=8)
def _stylesheet(static_path: str) -> CSS:
    path = finders.find(static_path)
    if path is None:
        raise FileNotFoundError(static_path)
    return CSS(filename=path, font_config=_fonts, url_fetcher=_refuse)


def render_pdf(
    template: str, context: dict[str, Any], *, stylesheet: str = "imagin/print.css"
) -> bytes:
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_refuse).write_pdf(
        stylesheets=[_stylesheet(stylesheet)], font_config=_fonts
    )
