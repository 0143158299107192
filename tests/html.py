"""Assertions on rendered pages shared by the page tests."""

from __future__ import annotations

import re

from django.http import HttpResponse

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
# What a page would load from elsewhere (script, style sheet, picture, frame).
# A link (<a href>) to another site is navigation, not a load: the DSFR footer
# links to the State's sites.
EXTERNAL_ASSET = re.compile(
    r"""<(?!a\s)\w+\s[^>]*\b(?:src|href)=["']https?://""", re.IGNORECASE
)


def assert_strict_csp_page(response: HttpResponse) -> str:
    """The page runs under the strict CSP: no inline code, nothing from elsewhere."""
    html = response.content.decode()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not STYLE_ATTRIBUTE.search(html), STYLE_ATTRIBUTE.search(html)
    assert not STYLE_ELEMENT.search(html)
    assert not EXTERNAL_ASSET.search(html), EXTERNAL_ASSET.search(html)
    return html
