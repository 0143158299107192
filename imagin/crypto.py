"""Encryption at rest for personal data (IBAN, social security number).

Values are encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from the
`cryptography` package) under FIELD_ENCRYPTION_KEYS, a key separate from
SECRET_KEY. The first key encrypts; every key decrypts, so keys can be rotated
by putting a new one first and re-saving the rows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64 bytes)."
        ) from error


def encrypt(value: str) -> str:
    return (
        _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()
    )


def decrypt(token: str) -> str:
    try:
        return (
            _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))
            .decrypt(token.encode())
            .decode()
        )
    except InvalidToken as error:
        # Never fall back to showing the stored text: it is ciphertext, or data
        # tampered with; either way the key configuration must be fixed.
        raise ImproperlyConfigured(
            "An encrypted value cannot be decrypted with FIELD_ENCRYPTION_KEYS."
        ) from error


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; empty strings stay empty (nothing to hide).

    Encrypted values cannot be searched or compared in the database.
    """

    def from_db_value(
        self, value: str | None, expression: Any, connection: Any
    ) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
