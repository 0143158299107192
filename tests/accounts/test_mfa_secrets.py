"""Two-factor secrets (TOTP key, recovery codes' seed) are stored encrypted
with FIELD_ENCRYPTION_KEYS, still work, and the migration encrypts those
written in clear before, once."""

from __future__ import annotations

import importlib
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.apps import apps

from imagin import crypto
from tests import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module("accounts.migrations.0005_encrypt_mfa_secrets")


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_totp_key_is_stored_encrypted_and_still_checks_codes():
    manager = factories.ManagerFactory()
    secret = generate_totp_secret()
    totp = TOTP.activate(manager, secret)
    stored = Authenticator.objects.get(pk=totp.instance.pk).data["secret"]
    assert stored != secret and secret not in stored
    assert crypto.decrypt(stored) == secret
    assert totp.validate_code(current_code(secret))
    # A code of 1970 is not one of now.
    assert not totp.validate_code(format_hotp_value(hotp_value(secret, 1)))


def test_recovery_codes_are_stored_encrypted_and_still_generated():
    manager = factories.ManagerFactory()
    codes = RecoveryCodes.activate(manager)
    seed = Authenticator.objects.get(pk=codes.instance.pk).data["seed"]
    assert len(crypto.decrypt(seed)) == 80  # allauth's seed, 40 bytes in hex
    assert len(codes.generate_codes()) == 10
    assert codes.validate_code(codes.generate_codes()[0])


def test_the_migration_encrypts_clear_secrets_once_and_can_be_undone():
    manager = factories.ManagerFactory()
    clear = {"secret": "JBSWY3DPEHPK3PXP"}
    migrated = {"seed": "ab" * 40, "used_mask": 0, "migrated_codes": ["12345678"]}
    totp = Authenticator.objects.create(user=manager, type="totp", data=clear)
    codes = Authenticator.objects.create(
        user=manager, type="recovery_codes", data=migrated
    )

    migration.encrypt_secrets(apps, None)
    totp.refresh_from_db()
    codes.refresh_from_db()
    assert crypto.decrypt(totp.data["secret"]) == "JBSWY3DPEHPK3PXP"
    assert crypto.decrypt(codes.data["seed"]) == "ab" * 40
    assert [crypto.decrypt(c) for c in codes.data["migrated_codes"]] == ["12345678"]
    assert codes.data["used_mask"] == 0
    encrypted_once = (totp.data, codes.data)

    migration.encrypt_secrets(apps, None)  # a second run changes nothing
    totp.refresh_from_db()
    codes.refresh_from_db()
    assert (totp.data, codes.data) == encrypted_once

    migration.decrypt_secrets(apps, None)
    totp.refresh_from_db()
    codes.refresh_from_db()
    assert (totp.data, codes.data) == (clear, migrated)
