"""Where supporting documents are kept: a private folder that no URL serves."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    # settings.STORAGES["private"]: MEDIA_ROOT, or a private bucket when
    # STORAGE_URL is set. Either way private: no URL serves it (MEDIA_URL is
    # served by nothing); documents are streamed by views that check who asks.
    # On disk no fixed location: it follows MEDIA_ROOT, also when tests change it.
    return storages["private"]


def unguessable_name(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:5]
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def rib_upload_to(instance: object, filename: str) -> str:
    return unguessable_name("rib", filename)
