"""STORAGE_URL, read into the storage settings of the uploaded files.

Imported by the settings: nothing of Django's apps here.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ImproperlyConfigured

ON_DISK = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def private_storage(url: str) -> dict:
    """MEDIA_ROOT when `url` is empty; else a private bucket of S3-compatible
    storage, from s3://BUCKET/PREFIX?endpoint=URL&region=NAME."""
    if not url:
        return ON_DISK
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if parts.scheme != "s3" or not parts.netloc:
        raise ImproperlyConfigured(
            "STORAGE_URL must look like s3://BUCKET/PREFIX?endpoint=URL&region=NAME."
        )
    try:
        # The optional extra `s3`, checked at start-up rather than at upload.
        import storages  # noqa: F401
    except ImportError as error:
        raise ImproperlyConfigured(
            'STORAGE_URL needs django-storages: pip install ".[s3]".'
        ) from error
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": parts.netloc,
            "location": parts.path.strip("/"),
            "endpoint_url": query.get("endpoint") or None,
            "region_name": query.get("region") or None,
            # Never public, never overwritten; files are streamed by the views
            # that check who asks, never linked to.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
