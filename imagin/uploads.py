"""Checks on uploaded supporting documents (RIB, receipts): PDF, PNG or JPEG only."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext as _

# The file's first bytes must say what its extension claims: a renamed
# executable or HTML page is refused, whatever the browser sent as its type.
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def _upload_help() -> str:
    megabytes = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
    return _("PDF, PNG ou JPEG, %(size)s Mo au maximum.") % {
        "size": f"{megabytes:.3g}".replace(".", ",")
    }


# A form field's help text, read when the form is shown: the limit is a setting.
UPLOAD_HELP = lazy(_upload_help, str)()


def validate_upload_size(upload: UploadedFile) -> None:
    """Refuse an empty file or one over UPLOAD_MAX_BYTES."""
    limit = settings.UPLOAD_MAX_BYTES
    # Django gives every upload its size; a file built by hand without one
    # has nothing to check and counts as empty.
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            _("Le fichier est trop volumineux (%(size)s) : %(limit)s au maximum.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")


def validate_document(upload: UploadedFile) -> str:
    """Refuse anything but a PDF, PNG or JPEG under the size limit; return its type."""
    validate_upload_size(upload)
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    if suffix not in SIGNATURES:
        raise ValidationError(
            _("Seuls les fichiers PDF, PNG ou JPEG sont acceptés."), code="type"
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(SIGNATURES[suffix]):
        raise ValidationError(
            _("Le contenu du fichier ne correspond pas à un fichier %(kind)s valide.")
            % {"kind": suffix.lstrip(".").upper()},
            code="content",
        )
    return CONTENT_TYPES[suffix]
