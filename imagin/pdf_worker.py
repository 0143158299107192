"""What a PDF worker process runs: WeasyPrint only, no Django.

Kept apart from `imagin.pdf` so that a spawned worker imports nothing but
WeasyPrint, and never touches the parent's database connections.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

# Font discovery is the slow part of a first rendering; share it per process.
fonts = FontConfiguration()


class ExternalResourceRefused(Exception):
    pass


def refuse(url: str, *args: Any, **kwargs: Any) -> dict:
    raise ExternalResourceRefused(url)


@lru_cache(maxsize=8)
def stylesheet(path: str) -> CSS:
    return CSS(filename=path, font_config=fonts, url_fetcher=refuse)


def html_to_pdf(html: str, stylesheet_path: str) -> bytes:
    return HTML(string=html, url_fetcher=refuse).write_pdf(
        stylesheets=[stylesheet(stylesheet_path)], font_config=fonts
    )
