"""What a PDF worker process runs: WeasyPrint only, no Django.

Kept apart from `imagin.pdf` so that a spawned worker imports nothing but
WeasyPrint, and never touches the parent's database connections.

Documents are set in Marianne, the State's typeface, from the files the DSFR
package ships (django-dsfr, a dependency of the site): its regular and bold
faces only, so that a document embeds two fonts. They are the only files
WeasyPrint may read: any other URL is refused.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Font discovery is the slow part of a first rendering; share it per process.
fonts = FontConfiguration()

# (weight, file) of the faces documents use, in the DSFR package's static files.
MARIANNE_FACES = ((400, "Marianne-Regular.woff2"), (700, "Marianne-Bold.woff2"))


class ExternalResourceRefused(Exception):
    pass


def _dsfr_fonts_dir() -> Path:
    # find_spec locates the package without importing it (nor Django).
    spec = importlib.util.find_spec("dsfr")
    if spec is None or not spec.submodule_search_locations:
        raise ExternalResourceRefused("the django-dsfr package is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    return package / "static" / "dsfr" / "dist" / "fonts"


@lru_cache(maxsize=1)
def font_files() -> dict[str, Path]:
    """The Marianne files by their file:// URL."""
    folder = _dsfr_fonts_dir()
    return {(folder / name).as_uri(): folder / name for _weight, name in MARIANNE_FACES}


class FontsOnly(URLFetcher):
    """Fetches the Marianne files and nothing else."""

    def fetch(self, url, headers=None):
        path = font_files().get(url)
        if path is None:
            raise ExternalResourceRefused(url)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": "font/woff2"}
        )


def font_faces_css() -> str:
    folder = _dsfr_fonts_dir()
    return "\n".join(
        "@font-face { font-family: Marianne; font-style: normal; "
        f'font-weight: {weight}; src: url("{(folder / name).as_uri()}") '
        'format("woff2"); }'
        for weight, name in MARIANNE_FACES
    )


@lru_cache(maxsize=8)
def stylesheets(path: str) -> tuple[CSS, CSS]:
    fetcher = FontsOnly()
    return (
        CSS(string=font_faces_css(), font_config=fonts, url_fetcher=fetcher),
        CSS(filename=path, font_config=fonts, url_fetcher=fetcher),
    )


def html_to_pdf(html: str, stylesheet_path: str) -> bytes:
    return HTML(string=html, url_fetcher=FontsOnly()).write_pdf(
        stylesheets=list(stylesheets(stylesheet_path)), font_config=fonts
    )
