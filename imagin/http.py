"""The one way a view hands a private file (PDF, RIB, supporting document,
payment file) to a browser.

Every such file holds personal data: it is sent as an attachment (never
rendered inline unless asked, and then still sniff-proof), with a file name
that cannot break the header, and with headers that keep it out of every cache
(the browser's back-forward and disk caches, a shared proxy).
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO, TYPE_CHECKING, TypeVar, cast

from django.http import FileResponse, HttpResponse, HttpResponseBase, QueryDict
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

if TYPE_CHECKING:
    # The stubs' name for a QueryDict that cannot change (request.GET, .POST).
    from django.http.request import _ImmutableQueryDict

# What is left of a file name once the characters a header, a file system or
# a shell could misread are gone.
UNSAFE_IN_FILENAME = re.compile(r"[^\w.\- ]+")
MAX_FILENAME_LENGTH = 120


def safe_filename(filename: str, *, default: str = "document") -> str:
    """`filename` made safe for a Content-Disposition header and a disk.

    Control characters, quotes, slashes and the like are replaced with `_`;
    accents are kept (Django encodes them as RFC 5987 `filename*`); the name is
    cut at 120 characters, keeping its extension. An empty result gives
    `default`.
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        character if unicodedata.category(character)[0] != "C" else "_"
        for character in name
    )
    name = UNSAFE_IN_FILENAME.sub("_", name).strip(" .")
    if not name:
        return default
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: MAX_FILENAME_LENGTH - len(suffix) - 1] + "." + suffix
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name


def read_only(query: QueryDict) -> _ImmutableQueryDict:
    """`query`, edited, made read-only again to stand in for request.GET or
    request.POST, which Django builds read-only."""
    query._mutable = False
    return cast("_ImmutableQueryDict", query)


# Any response, given back as the same kind (a JsonResponse stays one).
ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def never_store(response: ResponseT) -> ResponseT:
    """Mark `response` as private and never to be stored by any cache."""
    add_never_cache_headers(response)
    # HTTP/1.0 caches and some old proxies only read Pragma.
    response["Pragma"] = "no-cache"
    return response


def private_file_response(
    content: bytes | IO[bytes],
    *,
    filename: str,
    content_type: str,
    inline: bool = False,
) -> HttpResponseBase:
    """A response carrying a private file: `content` as bytes or an open
    binary file (streamed, then closed), sent as an attachment named
    `filename` (made safe), `inline` only where asked (a PDF to preview).

    Always: `Cache-Control: no-store` (and `Pragma: no-cache`),
    `X-Content-Type-Options: nosniff`, the given content type.
    """
    name = safe_filename(filename)
    if isinstance(content, bytes | bytearray):
        response: HttpResponseBase = HttpResponse(
            bytes(content), content_type=content_type
        )
        # The header FileResponse writes: ASCII `filename`, RFC 5987 `filename*`
        # for accents (always one, a file name being given).
        disposition = content_disposition_header(
            as_attachment=not inline, filename=name
        )
        if disposition:
            response["Content-Disposition"] = disposition
    else:
        response = FileResponse(
            content,
            as_attachment=not inline,
            filename=name,
            content_type=content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    return never_store(response)
