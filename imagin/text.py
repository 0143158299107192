"""Text a browser may send, and what may be kept of it.

Anything typed into a form can hold characters no person types on purpose: a
NUL byte (which PostgreSQL refuses in text and JSON alike, so keeping it would
fail the whole save) or other control characters pasted from elsewhere. Forms
refuse them next to their field (`validate_printable`); what is kept as typed
to be shown again (a claim's draft, an audit event's data) is made safe and
bounded first (`printable`).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls but tab, line feed and carriage return (a text area sends those),
# DEL, and the C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"


def validate_printable(value: Any) -> None:
    """Refuse text holding a NUL byte or another invisible control character."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _(
                "Ce champ contient un caractère invisible non autorisé (caractère "
                "nul ou de contrôle, souvent venu d'un copier-coller) : "
                "retirez-le et saisissez le texte à nouveau."
            ),
            code="control_characters",
        )


def printable(value: str, limit: int) -> str:
    """`value` with its control characters replaced (shown as �) and cut at
    `limit` characters: safe to store in any database, as text or in JSON."""
    return CONTROL_CHARACTERS.sub(REPLACEMENT, value[:limit])
