"""The system check of the legal content file: a deployment whose file is
unreadable, not TOML or missing a key is told which key, before it serves
pages without their legal texts. Registered in imagin/apps.py (ready)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from imagin.legal.content import LegalContentError, parse


def legal_content_file(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    # Parsed here rather than through the cache: the check reads the file as
    # it is now.
    try:
        parse(settings.LEGAL_CONTENT_FILE)
    except LegalContentError as error:
        return [
            checks.Error(
                f"The legal content file is not usable: {error}",
                hint="Fix the key named above (imagin/legal/demo.toml documents "
                "each key), or point LEGAL_CONTENT_FILE to a complete file.",
                obj=error.key or str(error.path),
                id="imagin.E010",
            )
        ]
    return []
