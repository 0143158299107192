"""The académie's legal texts, read from the TOML file `LEGAL_CONTENT_FILE`.

The file is shipped with the deployment (imagin/legal/demo.toml documents
each key): it is parsed once per process and read again only when its
modification time changes. A file that cannot be read, is not TOML or lacks
a key raises `LegalContentError` naming the key; the system check
(imagin/legal/checks.py) reports it before the site starts.
"""

from __future__ import annotations

import datetime
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class LegalContentError(Exception):
    """The legal content file is unreadable, malformed or incomplete."""

    def __init__(self, path: Path, message: str, key: str = "") -> None:
        self.path, self.key = path, key
        where = f" [{key}]" if key else ""
        super().__init__(f"{path}{where}: {message}")


# Conformity with the RGAA, as its statement model words it: "totalement"
# only when every applicable criterion is met, "partiellement" from half of
# them, "non" below (or without an audit).
TOTAL, PARTIAL, NONE = "totalement", "partiellement", "non"
LEVEL_LABELS: dict[str, Promise] = {
    TOTAL: _("totalement conforme"),
    PARTIAL: _("partiellement conforme"),
    NONE: _("non conforme"),
}


def conformity(rate: float) -> str:
    """The RGAA conformity level of an audit's compliance rate (in %)."""
    if rate >= 100:
        return TOTAL
    if rate >= 50:
        return PARTIAL
    return NONE


# ------------------------------------------------------------------ the schema

TEXT, TEXTS, DATE, RATE, LINKS, TERMS = (
    "text",
    "texts",
    "date",
    "rate",
    "links",
    "terms",
)
OPTIONAL = "optional text"

# section -> key -> kind. Every key is required unless its kind is OPTIONAL;
# a list (TEXTS, LINKS, TERMS) may be empty where the template says so.
SCHEMA: dict[str, dict[str, str]] = {
    "site": {"name": TEXT, "url": TEXT, "source_code_url": TEXT},
    "publisher": {
        "name": TEXT,
        "address": TEXT,
        "phone": TEXT,
        "email": TEXT,
        "director": TEXT,
    },
    "host": {"name": TEXT, "address": TEXT, "phone": OPTIONAL, "website": OPTIONAL},
    "personal_data": {
        "controller": TEXT,
        "controller_address": TEXT,
        "dpo_email": TEXT,
        "dpo_address": TEXT,
        "rights_email": TEXT,
        "paying_service": TEXT,
        "legal_basis": TEXTS,
        "transfers": TEXT,
        "retention": TERMS,
        "updated": DATE,
    },
    "accessibility": {
        "statement_date": DATE,
        "audit_date": DATE,
        "auditor": TEXT,
        "rgaa_version": TEXT,
        "compliance_rate": RATE,
        "strategy_url": OPTIONAL,
        "action_plan": OPTIONAL,
        "technologies": TEXTS,
        "test_environment": TEXTS,
        "tools": TEXTS,
        "pages": LINKS,
        "non_conformities": TEXTS,
        "derogations": TEXTS,
        "non_subject": TEXTS,
        "contact_email": TEXT,
        "contact_address": TEXT,
    },
}
# Lists that may not be empty: an audit covers pages, with tools, on a
# technology; a retention table without a line says nothing.
NOT_EMPTY = {
    "personal_data.legal_basis",
    "personal_data.retention",
    "accessibility.technologies",
    "accessibility.test_environment",
    "accessibility.tools",
    "accessibility.pages",
}
# The keys of each table of a TERMS or LINKS list.
ITEM_KEYS = {TERMS: ("data", "duration"), LINKS: ("title", "url")}


def _nonblank(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_value(path: Path, key: str, kind: str, value: object) -> None:
    def wrong(expected: str) -> LegalContentError:
        return LegalContentError(path, f"expected {expected}", key)

    if kind in (TEXT, OPTIONAL):
        if not _nonblank(value):
            raise wrong("a non-empty text")
    elif kind == DATE:
        if type(value) is not datetime.date:
            raise wrong("a date (YYYY-MM-DD, without quotes)")
    elif kind == RATE:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong("a number between 0 and 100")
        if not 0 <= value <= 100:
            raise wrong("a number between 0 and 100")
    elif kind == TEXTS:
        if not isinstance(value, list) or not all(_nonblank(v) for v in value):
            raise wrong("a list of non-empty texts")
    else:
        item_keys = ITEM_KEYS[kind]
        if not isinstance(value, list):
            raise wrong(f"a list of tables ({', '.join(item_keys)})")
        for index, item in enumerate(value):
            for item_key in item_keys:
                if not isinstance(item, dict) or not _nonblank(item.get(item_key)):
                    raise LegalContentError(
                        path, "missing or empty", f"{key}[{index}].{item_key}"
                    )
    if kind in (TEXTS, TERMS, LINKS) and key in NOT_EMPTY and not value:
        raise LegalContentError(path, "must not be empty", key)


def validate(path: Path, data: dict[str, Any]) -> None:
    """Raise `LegalContentError` naming the first missing or wrong key."""
    for section, keys in SCHEMA.items():
        table = data.get(section)
        if not isinstance(table, dict):
            raise LegalContentError(path, "missing table", section)
        for key, kind in keys.items():
            name = f"{section}.{key}"
            if key not in table:
                if kind == OPTIONAL:
                    continue
                raise LegalContentError(path, "missing key", name)
            _check_value(path, name, kind, table[key])


# ------------------------------------------------------------------ loading


@dataclass(frozen=True)
class LegalContent:
    """The validated texts; each table is the file's, as a dict."""

    site: dict[str, Any]
    publisher: dict[str, Any]
    host: dict[str, Any]
    personal_data: dict[str, Any]
    accessibility: dict[str, Any]

    @property
    def level(self) -> str:
        return conformity(self.accessibility["compliance_rate"])

    @property
    def level_label(self) -> Promise:
        return LEVEL_LABELS[self.level]


def parse(path: Path | str) -> LegalContent:
    """Read, parse and validate the file at `path` (no cache)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LegalContentError(path, f"cannot be read ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise LegalContentError(path, "is not UTF-8 text") from error
    except tomllib.TOMLDecodeError as error:
        raise LegalContentError(path, f"is not valid TOML ({error})") from error
    validate(path, data)
    return LegalContent(**{section: data[section] for section in SCHEMA})


_cache: dict[Path, tuple[int, LegalContent]] = {}
_lock = threading.Lock()


def load(path: Path | str | None = None) -> LegalContent:
    """The content of `path` (by default `LEGAL_CONTENT_FILE`), parsed again
    only when the file's modification time changed."""
    path = Path(path or settings.LEGAL_CONTENT_FILE)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as error:
        raise LegalContentError(path, f"cannot be read ({error.strerror})") from error
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    with _lock:
        content = parse(path)
        _cache[path] = (mtime, content)
    return content
