"""How long the files written for one download stay in private storage.

A back-office list exported in the background (`imagin.admin_export`,
`exports/`) and the yearly statements' ZIP (`claims.statements`,
`statements/<year>/`) hold personal data and are meant to be downloaded
soon after they are written: `manage.py purge_exports` (run daily, or more
often) removes those older than `EXPORT_RETENTION_HOURS`. Their download
then answers a page saying so (410 Gone) instead of failing.

Everything goes through Django's storage API (listdir, get_modified_time,
delete), so the purge works on disk (MEDIA_ROOT) and on an S3-compatible
bucket (STORAGE_URL) alike. Two purges at once are harmless: a file the
other one removed first is skipped, and removing a file already gone is no
error for either storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.storage import private_storage

# The folders of private storage holding files written for one download; no
# model refers to them (supporting documents, convocations and batch recaps
# live elsewhere and are never purged here).
FOLDERS = ("exports", "statements")
GONE = "admin/export_gone.html"


def retention() -> timedelta:
    return timedelta(hours=settings.EXPORT_RETENTION_HOURS)


def _gone_meanwhile(storage: Storage, name: str) -> bool:
    """Whether `name`, which failed to be read, is simply not there any more
    (removed by a purge in between): each storage has its own error for it."""
    return not storage.exists(name)


def _files(storage: Storage, folder: str) -> Iterator[str]:
    """The names of the files under `folder`, at any depth."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # on disk, a folder nothing was written to yet
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _files(storage, f"{folder}/{sub}")


def purge_exports(*, now: datetime | None = None) -> int:
    """Remove every file of `FOLDERS` last written more than the retention
    ago; the number of files removed. A file younger is never touched."""
    storage = private_storage()
    cutoff = (now or timezone.now()) - retention()
    removed = 0
    for folder in FOLDERS:
        for name in list(_files(storage, folder)):
            try:
                written = storage.get_modified_time(name)
            except Exception:
                if _gone_meanwhile(storage, name):
                    continue  # another purge removed it after the listing
                raise
            if written < cutoff:
                storage.delete(name)
                removed += 1
    return removed


def open_kept(storage: Storage, name: str) -> File | None:
    """`name` opened for reading, or None when it is gone (purged, even
    between the download's checks and this opening)."""
    try:
        return storage.open(name, "rb")
    except Exception:
        if _gone_meanwhile(storage, name):
            return None
        raise


def export_gone_text() -> str:
    hours = settings.EXPORT_RETENTION_HOURS
    return ngettext(
        "Ce fichier a été supprimé après %(hours)d heure ; relancez l'export.",
        "Ce fichier a été supprimé après %(hours)d heures ; relancez l'export.",
        hours,
    ) % {"hours": hours}


def statements_gone_text() -> str:
    hours = settings.EXPORT_RETENTION_HOURS
    return ngettext(
        "Ce fichier a été supprimé après %(hours)d heure ; relancez la "
        "production des attestations.",
        "Ce fichier a été supprimé après %(hours)d heures ; relancez la "
        "production des attestations.",
        hours,
    ) % {"hours": hours}


def gone_page(request: HttpRequest, context: dict, text: str) -> TemplateResponse:
    """The answer to the download of a file purged: what happened and the way
    back (`context`: the admin's, with `back_url`), as 410 Gone."""
    return TemplateResponse(request, GONE, {**context, "gone": text}, status=410)
