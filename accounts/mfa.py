"""Two-factor authentication secrets encrypted at rest.

django-allauth stores each authenticator's secrets in its `data` (JSON): the
TOTP key (`secret`), the seed of the recovery codes (`seed`) and codes
migrated from an older library (`migrated_codes`). Through allauth's
`encrypt`/`decrypt` hooks they are encrypted with FIELD_ENCRYPTION_KEYS, as
IBANs are: a copy of the database or of a backup gives no one a manager's
second factor. `rotate_field_keys` re-encrypts them with the other values
(`imagin.key_rotation.map_mfa_secrets` knows where they are).
"""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter

from imagin import crypto


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)
