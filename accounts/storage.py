"""Where supporting documents are kept: a private folder that no URL serves."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    # Everything under MEDIA_ROOT is private (MEDIA_URL is served by nothing).
    # base_url=None: asking such a file for its URL is an error, by design;
    # documents are streamed by views that check who asks. No fixed location:
    # the storage follows MEDIA_ROOT, also when tests change it.
    return FileSystemStorage(base_url=None)


def unguessable_name(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:5]
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def rib_upload_to(instance: object, filename: str) -> str:
    return unguessable_name("rib", filename)
