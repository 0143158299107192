"""Encrypt the two-factor secrets allauth stored in clear before
accounts.mfa.MFAAdapter encrypted them (FIELD_ENCRYPTION_KEYS)."""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations

from imagin import crypto
from imagin.key_rotation import map_mfa_secrets


def _encrypted_once(value: str) -> str:
    # Idempotent: a value some key already opens is left as it is.
    try:
        crypto.decrypt(value)
    except ImproperlyConfigured:  # no key opens it: the clear text allauth wrote
        return crypto.encrypt(value)
    return value


def encrypt_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all().iterator():
        authenticator.data = map_mfa_secrets(authenticator.data, _encrypted_once)
        authenticator.save(update_fields=["data"])


def decrypt_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all().iterator():
        authenticator.data = map_mfa_secrets(authenticator.data, crypto.decrypt)
        authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_financialfile_details_changed_by"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
