"""What a password may be (AUTH_PASSWORD_VALIDATORS), beyond Django's own
validators: bounded length, no repeated pattern, no common French password.

`common-passwords-fr.txt` (beside this file) lists passwords French users
choose most (keyboard rows such as "azerty", "motdepasse" and its variants,
first names, football clubs, the académie's own words...), lowercased, one a
line; Django's list (English-speaking leaks) does not hold them. It was written
and reviewed by hand for this project: add a line, lowercased, to refuse one
more.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms import Field
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FRENCH_PASSWORD_LIST = Path(__file__).resolve().parent / "common-passwords-fr.txt"

# Long passphrases are welcome; a megabyte of text is not a password, and is
# refused before anything hashes or compares it.
MAX_PASSWORD_LENGTH = 128


def _too_long_message(max_length: int) -> str:
    return ngettext(
        "Ce mot de passe est trop long : il ne peut pas dépasser %(max)d caractère.",
        "Ce mot de passe est trop long : il ne peut pas dépasser %(max)d caractères.",
        max_length,
    ) % {"max": max_length}


class MaximumLengthValidator:
    """Refuse a password longer than `max_length` characters (128)."""

    def __init__(self, max_length: int = MAX_PASSWORD_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _too_long_message(self.max_length), code="password_too_long"
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Il ne dépasse pas %(max)d caractère.",
            "Il ne dépasse pas %(max)d caractères.",
            self.max_length,
        ) % {"max": self.max_length}


class RepeatedPatternValidator:
    """Refuse a password made of one character or one chunk repeated:
    "aaaaaaaaaaaa", "abcabcabcabc", "123412341234", or a username typed twice
    (which Django's similarity check lets through: half of it matches)."""

    def validate(self, password: str, user=None) -> None:
        folded = password.lower()
        # A string is a repetition of one of its prefixes exactly when it
        # appears inside itself doubled, first and last characters removed.
        if len(folded) > 1 and folded in (folded + folded)[1:-1]:
            raise ValidationError(
                _(
                    "Ce mot de passe répète un même caractère ou un même motif : "
                    "il serait trop facile à deviner."
                ),
                code="password_repeated_pattern",
            )

    def get_help_text(self) -> str:
        return _("Il ne répète pas un même caractère ou un même motif.")


class UsernameInPasswordValidator:
    """Refuse a password that contains the username (a participant number,
    an agent's login) of four characters or more, whatever surrounds it."""

    min_length = 4

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= self.min_length and username in password.lower():
            raise ValidationError(
                _("Ce mot de passe contient votre identifiant de connexion."),
                code="password_contains_username",
            )

    def get_help_text(self) -> str:
        return _("Il ne contient pas votre identifiant de connexion.")


class FrenchCommonPasswordValidator(CommonPasswordValidator):
    """Django's list of common passwords and the French one, as one check
    (one message, not two, for a password in both)."""

    def __init__(self, password_list_path=None) -> None:
        super().__init__()
        with open(password_list_path or FRENCH_PASSWORD_LIST, encoding="utf-8") as f:
            self.passwords |= {line.strip().lower() for line in f if line.strip()}


def bound_password_field(field: Field) -> Field:
    """Refuse, next to the field, a password longer than the longest one the
    site accepts, before the form's `clean` authenticates or hashes it (the
    sign-in form)."""
    field.validators.append(
        MaxLengthValidator(
            MAX_PASSWORD_LENGTH, message=_too_long_message(MAX_PASSWORD_LENGTH)
        )
    )
    return field
