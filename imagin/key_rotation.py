"""Re-encrypting every value at rest under the first FIELD_ENCRYPTION_KEYS key.

After a new key is put first in FIELD_ENCRYPTION_KEYS, values written before
are still under the old key, which therefore cannot be removed.
`rotate_field_keys` rewrites them under the new one (`manage.py
rotate_field_keys`, docs/operations.md): every EncryptedTextField of every
installed model, the e-mails sealed in the task queue that no worker has
taken yet, and the two-factor secrets allauth keeps in its authenticators'
data (`map_mfa_secrets`).

It works on the stored tokens, never on model instances: reading a field
through the ORM decrypts it (EncryptedTextField.from_db_value) and writing one
encrypts it (get_prep_value). Each column is therefore read and written through
a plain TextField expression (`_raw`, `Value(..., output_field=TextField())`),
so a token goes from the database to MultiFernet.rotate and back untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, Value

from imagin.crypto import EncryptedTextField, _fernet

BATCH_SIZE = 500
# The queue's label in the report (and in the error naming a value).
QUEUED_EMAILS = "django_tasks_db.DBTaskResult (courriels en attente)"
MFA_SECRETS = "mfa.Authenticator (secrets de double authentification)"
# Where allauth keeps an authenticator's secrets in its `data`: the TOTP key,
# the recovery codes' seed, and codes migrated from an older library.
MFA_SECRET_KEYS = ("secret", "seed")
MFA_SECRET_LISTS = ("migrated_codes",)


def map_mfa_secrets(data: dict[str, Any], change: Callable[[str], str]) -> dict:
    """An authenticator's `data` with `change` applied to each secret in it
    (encrypting, decrypting or re-encrypting them), the rest as it was."""
    changed = dict(data)
    for key in MFA_SECRET_KEYS:
        if changed.get(key):
            changed[key] = change(changed[key])
    for key in MFA_SECRET_LISTS:
        if changed.get(key):
            changed[key] = [change(value) for value in changed[key]]
    return changed


@dataclass
class FieldReport:
    """What happened to the values of one column (or of the queued e-mails)."""

    label: str
    rotated: int = 0
    already_current: int = 0


@dataclass
class RotationReport:
    fields: list[FieldReport] = field(default_factory=list)
    # (label, primary key) of every value no configured key opens.
    undecryptable: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def rotated(self) -> int:
        return sum(report.rotated for report in self.fields)


class UndecryptableValues(Exception):
    """Values that no key of FIELD_ENCRYPTION_KEYS opens; nothing was written."""

    def __init__(self, report: RotationReport) -> None:
        super().__init__(report.undecryptable)
        self.report = report


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column of the project, found in the app registry.

    Local fields only: a column inherited from a concrete parent model belongs
    to the parent's table and is visited there, once. Proxy and unmanaged
    models have no table of their own to rewrite.
    """
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for model_field in meta.local_concrete_fields:
            if isinstance(model_field, EncryptedTextField):
                yield model, model_field


class _Rotator:
    """Decides, token by token, whether and how to re-encrypt it."""

    def __init__(self) -> None:
        keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
        self.every_key = _fernet(keys)  # ImproperlyConfigured on a malformed key
        self.first_key = Fernet(keys[0])

    def rotate(self, token: str) -> str | None:
        """`token` under the first key; None if it already is (idempotence:
        a second run rewrites nothing). InvalidToken if no key opens it."""
        try:
            self.first_key.decrypt(token.encode())
        except InvalidToken:
            # Keeps the token's timestamp; raises InvalidToken itself when no
            # key opens the token.
            return self.every_key.rotate(token.encode()).decode()
        return None


def _raw(column: str) -> ExpressionWrapper:
    # The stored text as it is: typed as a plain TextField, the column gets
    # TextField's (absent) converters instead of EncryptedTextField's
    # from_db_value, and comparisons with it are not encrypted either.
    return ExpressionWrapper(F(column), output_field=models.TextField())


def _batches(queryset: models.QuerySet, *columns: Any) -> Iterator[list[tuple]]:
    """Rows (primary key first) in primary-key order, BATCH_SIZE at a time.

    Keyset pagination rather than an open cursor: no cursor stays open on a
    table while its rows are rewritten (server-side cursors on PostgreSQL,
    SQLite's reads interleaved with writes).
    """
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page.values_list("pk", *columns)[:BATCH_SIZE])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rotate_column(
    model: type[models.Model],
    model_field: EncryptedTextField,
    rotator: _Rotator,
    report: RotationReport,
    *,
    dry_run: bool,
) -> FieldReport:
    counts = FieldReport(f"{model._meta.label}.{model_field.name}")
    column = model_field.attname
    stored = (
        model._base_manager.annotate(token=_raw(column))
        .filter(**{f"{column}__isnull": False})
        .exclude(token="")  # empty values are kept as they are, unencrypted
    )
    for rows in _batches(stored, "token"):
        for pk, token in rows:
            rotated = _next_token(rotator, token, pk, counts, report)
            if rotated is None or dry_run:
                continue
            # Compare and set: a row saved meanwhile by the site (under the
            # new key, processes having been restarted with it first) keeps
            # what it was given, not the older value rotated here.
            model._base_manager.alias(raw_token=_raw(column)).filter(
                pk=pk, raw_token=token
            ).update(**{column: Value(rotated, output_field=models.TextField())})
    return counts


def _next_token(
    rotator: _Rotator,
    token: str,
    pk: object,
    counts: FieldReport,
    report: RotationReport,
) -> str | None:
    """`token` encrypted under the first key, counted; None when there is
    nothing to write: already under it, or opened by no key (reported)."""
    try:
        rotated = rotator.rotate(token)
    except InvalidToken:
        report.undecryptable.append((counts.label, pk))
        return None
    if rotated is None:
        counts.already_current += 1
        return None
    counts.rotated += 1
    return rotated


def _rotate_queued_emails(
    rotator: _Rotator, report: RotationReport, *, dry_run: bool
) -> FieldReport | None:
    """The e-mails waiting in django-tasks-db's table, sealed (imagin.outbox.seal)
    in the `sealed` keyword argument of imagin.tasks.send_email."""
    if not apps.is_installed("django_tasks_db"):
        return None
    # django-tasks-db's models exist only where the app is installed.
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from imagin.tasks import send_email

    counts = FieldReport(QUEUED_EMAILS)
    # READY only: a task a worker has started was unsealed already, and a
    # finished one is never run again.
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=send_email.module_path
    )
    for rows in _batches(waiting, "args_kwargs"):
        for pk, args_kwargs in rows:
            sealed = (args_kwargs.get("kwargs") or {}).get("sealed")
            if not sealed:  # queued before sealing existed: nothing encrypted
                continue
            rotated = _next_token(rotator, sealed, pk, counts, report)
            if rotated is None or dry_run:
                continue
            args_kwargs["kwargs"]["sealed"] = rotated
            # Still READY: a worker that took the task meanwhile opened it
            # with the old key, still configured; nothing to rewrite.
            waiting.filter(pk=pk).update(args_kwargs=args_kwargs)
    return counts


def _rotate_mfa_secrets(
    rotator: _Rotator, report: RotationReport, *, dry_run: bool
) -> FieldReport | None:
    """The two-factor secrets in allauth's authenticators (accounts.mfa)."""
    if not apps.is_installed("allauth.mfa"):
        return None
    # allauth's MFA models exist only where its app is installed.
    from allauth.mfa.models import Authenticator

    counts = FieldReport(MFA_SECRETS)
    for rows in _batches(Authenticator.objects.all(), "data"):
        for pk, data in rows:

            def rotated(token: str, pk: Any = pk) -> str:
                new = _next_token(rotator, token, pk, counts, report)
                return token if new is None else new

            data_rotated = map_mfa_secrets(data, rotated)
            if data_rotated != data and not dry_run:
                # Compare and set, as for the columns: a secret changed
                # meanwhile (a new TOTP key) keeps what it was given.
                Authenticator.objects.filter(pk=pk, data=data).update(data=data_rotated)
    return counts


def rotate_field_keys(*, dry_run: bool = False) -> RotationReport:
    """Re-encrypt every value not under the first key, in one transaction.

    Raises UndecryptableValues, having written nothing, if any value cannot be
    decrypted with any configured key: rotating the rest and then removing the
    old key would make those values, and the fault, harder to find.
    """
    rotator = _Rotator()
    report = RotationReport()
    with transaction.atomic():
        for model, model_field in encrypted_fields():
            report.fields.append(
                _rotate_column(model, model_field, rotator, report, dry_run=dry_run)
            )
        for others in (_rotate_queued_emails, _rotate_mfa_secrets):
            counted = others(rotator, report, dry_run=dry_run)
            if counted is not None:
                report.fields.append(counted)
        if report.undecryptable:
            # Leaving the block through the exception rolls back every write.
            raise UndecryptableValues(report)
    return report
