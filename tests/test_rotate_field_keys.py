"""`manage.py rotate_field_keys`: after a new key is put first, every IBAN, NIR,
queued e-mail and two-factor secret is re-encrypted under it, so the old key
can be removed."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import ExternalParticipantRequest, FinancialFile
from imagin.key_rotation import encrypted_fields
from imagin.outbox import seal, unseal
from tests import factories

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
UNKNOWN = Fernet.generate_key().decode()
IBAN = "FR7630006000011234567890189"
OTHER_IBAN = "FR7610107001011234567890129"
NIR = "168037512345678"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MESSAGE = {
    "to": ["jeanne.petit@exemple.invalid"],
    "subject": "Choisissez votre mot de passe",
    "body": "https://imagin.invalid/comptes/password/reset/key/secret/",
    "html": "<p>lien</p>",
}


def stored() -> dict[str, object]:
    """Every encrypted value as the database holds it (tokens, not plain text)."""

    def raw(model, column):
        return dict(
            model.objects.annotate(raw=Cast(column, TextField())).values_list(
                "pk", "raw"
            )
        )

    from allauth.mfa.models import Authenticator
    from django_tasks_db.models import DBTaskResult

    return {
        "iban": raw(FinancialFile, "iban"),
        "nir": raw(FinancialFile, "nir"),
        "request iban": raw(ExternalParticipantRequest, "iban"),
        "queue": dict(DBTaskResult.objects.values_list("pk", "args_kwargs")),
        "mfa": dict(Authenticator.objects.values_list("pk", "data")),
    }


@pytest.fixture
def written_under_the_old_key(db, settings):
    """A financial file (IBAN and NIR), a pending request (IBAN), a queued
    e-mail and a manager's TOTP key, all encrypted under OLD, the only key
    then."""
    from allauth.mfa.totp.internal.auth import TOTP

    from imagin.tasks import send_email

    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    settings.TASKS = DATABASE_TASKS
    participant = factories.UserFactory()
    FinancialFile.objects.create(
        user=participant,
        holder="Paul Durand",
        iban=IBAN,
        bic="AGRIFRPP",
        nir=NIR,
        updated_at=timezone.now(),
    )
    ExternalParticipantRequest.objects.create(
        category="private",
        first_name="Jeanne",
        last_name="Petit",
        birth_date="1968-03-14",
        email="jeanne.petit@exemple.invalid",
        holder="Jeanne Petit",
        iban=OTHER_IBAN,
        bic="AGRIFRPP",
    )
    send_email.enqueue(sealed=seal(MESSAGE))
    TOTP.activate(factories.ManagerFactory(), TOTP_SECRET)
    return participant


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_field_keys", *args, stdout=out)
    return out.getvalue()


def queued_message() -> dict:
    from django_tasks_db.models import DBTaskResult

    (row,) = DBTaskResult.objects.all()
    return unseal(row.args_kwargs["kwargs"]["sealed"])


def test_every_encrypted_field_of_the_project_is_found_in_the_app_registry():
    labels = {
        f"{model._meta.label}.{field.name}" for model, field in encrypted_fields()
    }
    assert {
        "accounts.FinancialFile.iban",
        "accounts.FinancialFile.nir",
        "accounts.ExternalParticipantRequest.iban",
    } <= labels


def test_after_rotation_the_old_key_can_be_removed_and_everything_still_reads(
    written_under_the_old_key, settings, mailoutbox
):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    output = rotate()

    assert "accounts.FinancialFile.iban : 1 valeur(s) rechiffrée(s)" in output
    assert "accounts.FinancialFile.nir : 1 valeur(s) rechiffrée(s)" in output
    assert "accounts.ExternalParticipantRequest.iban : 1 valeur(s)" in output
    assert "courriels en attente) : 1 valeur(s) rechiffrée(s)" in output
    assert "double authentification) : 1 valeur(s) rechiffrée(s)" in output
    assert "5 valeur(s) rechiffrée(s) sous la première clé." in output

    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    file = FinancialFile.objects.get(user=written_under_the_old_key)
    assert (file.iban, file.nir) == (IBAN, NIR)
    assert ExternalParticipantRequest.objects.get().iban == OTHER_IBAN
    assert queued_message() == MESSAGE
    from allauth.mfa.models import Authenticator

    from imagin import crypto

    assert crypto.decrypt(Authenticator.objects.get().data["secret"]) == TOTP_SECRET
    # The worker, holding only the new key, sends the queued e-mail.
    from django_tasks_db.models import DBTaskResult

    from imagin.tasks import send_email

    send_email.call(**DBTaskResult.objects.get().args_kwargs["kwargs"])
    assert mailoutbox[0].body == MESSAGE["body"]


def test_a_second_rotation_rewrites_nothing(written_under_the_old_key, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    rotate()
    after_first = stored()

    output = rotate()

    assert stored() == after_first
    assert "accounts.FinancialFile.iban : 0 valeur(s) rechiffrée(s), 1 déjà" in output
    assert "0 valeur(s) rechiffrée(s) sous la première clé." in output


def test_a_value_under_an_unknown_key_stops_the_rotation_before_anything_is_written(
    written_under_the_old_key, settings
):
    settings.FIELD_ENCRYPTION_KEYS = [UNKNOWN]
    lost = FinancialFile.objects.create(
        user=factories.UserFactory(),
        holder="Sophie Bernard",
        iban=IBAN,
        bic="AGRIFRPP",
        updated_at=timezone.now(),
    )
    before = stored()
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    with pytest.raises(CommandError) as error:
        rotate()

    assert f"accounts.FinancialFile.iban, clé primaire {lost.pk}" in str(error.value)
    assert "1 valeur(s) ne s'ouvrent avec aucune clé" in str(error.value)
    # The values under OLD, rotated before the unknown one was met, are back.
    assert stored() == before


def test_a_dry_run_counts_and_writes_nothing(written_under_the_old_key, settings):
    before = stored()
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    output = rotate("--dry-run")

    assert stored() == before
    assert "accounts.FinancialFile.nir : 1 valeur(s) à rechiffrer" in output
    assert "Simulation : 5 valeur(s) à rechiffrer, rien n'a été écrit." in output
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(Exception, match="cannot be decrypted"):
        FinancialFile.objects.get(user=written_under_the_old_key)


def test_empty_values_stay_empty_and_a_queued_unsealed_email_is_left_alone(
    written_under_the_old_key, settings
):
    from django_tasks_db.models import DBTaskResult

    from imagin.tasks import send_email

    FinancialFile.objects.update(nir="")
    send_email.enqueue(to=["a@exemple.invalid"], subject="S", body="B", html="B")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    output = rotate()

    assert "accounts.FinancialFile.nir : 0 valeur(s) rechiffrée(s), 0 déjà" in output
    assert FinancialFile.objects.values_list("nir", flat=True).get() == ""
    plain = DBTaskResult.objects.get(args_kwargs__kwargs__subject="S")
    assert plain.args_kwargs["kwargs"]["body"] == "B"
