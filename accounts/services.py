"""Writes on accounts: external participants, financial files, requests (passwords:
`accounts.passwords`; e-mail addresses: `accounts.emails`).

Each service takes the acting user (None for a visitor or the system), runs in
one transaction and appends an audit event. Audit data never holds an IBAN, a
NIR or a password: only which fields changed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.emails import email_address_set_by_staff, email_address_set_unverified
from accounts.models import (
    ExternalParticipantRequest,
    FinancialFile,
    FinancialFileStatus,
    RequestStatus,
    User,
)
from accounts.models.financial_file import FINANCIAL_FILE_TRANSITIONS
from accounts.models.requests import REQUEST_TRANSITIONS
from accounts.passwords import password_set_path
from imagin.audit import audit_log
from imagin.mail import send_templated_mail
from imagin.workflow import apply_transition


def _next_participant_number() -> str:
    prefix = f"E{timezone.localdate().year}"
    numbers = User.objects.filter(participant_number__startswith=prefix).values_list(
        "participant_number", flat=True
    )
    # The filter leaves out people without a number; the test says so to the
    # checker (the column is nullable).
    last = max(
        (int(n[len(prefix) :]) for n in numbers if n and n[len(prefix) :].isdigit()),
        default=0,
    )
    return f"{prefix}{last + 1:03d}"


def _upload_name(upload: UploadedFile) -> str:
    """The name an upload is stored under. Django names every upload it
    receives; only its suffix is kept (`accounts.storage.rib_upload_to`), so a
    file handed over without one is stored without a suffix."""
    return upload.name or ""


def external_participant_create(
    *,
    by: User | None,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    address: str = "",
    commune: Any = None,
    language: str = "fr",
    email_verified: bool = True,
) -> User:
    """Create an external participant with a new participant number.

    The account has no usable password until `initial_password_issue` (for the
    convocation) or a password reset by e-mail. The address is trusted
    (verified) when the division entered it; `email_verified=False` for one
    the person typed, which they confirm later (accounts/emails.py).
    """
    for _attempt in range(5):
        try:
            with transaction.atomic():
                number = _next_participant_number()
                user = User(
                    username=number,
                    participant_number=number,
                    kind=User.Kind.EXTERNAL,
                    first_name=first_name,
                    last_name=last_name,
                    email=email,
                    phone=phone,
                    address=address,
                    commune=commune,
                    language=language,
                )
                user.set_unusable_password()
                user.save()
                audit_log(
                    actor=by,
                    action="accounts.participant.created",
                    target=user,
                    data={"participant_number": number, "kind": user.kind},
                )
                if email and email_verified:
                    email_address_set_by_staff(user=user, email=email, by=by)
                elif email:
                    email_address_set_unverified(user=user, email=email)
                return user
        except IntegrityError:
            continue  # another manager took this number meanwhile: take the next
    raise RuntimeError("Could not allocate a participant number.")


FINANCIAL_FIELDS = ("holder", "iban", "bic", "nir")


def _bank_details_changed_mail(file: FinancialFile, *, by: User) -> None:
    """Tell the participant their bank details changed (whoever changed them:
    a takeover of their account shows here), with the masked IBAN only."""
    user = file.user
    if not user.email:
        return
    send_templated_mail(
        "bank-details-changed",
        to=[user.email],
        context={
            "user": user,
            "masked_iban": file.masked_iban,
            "changed_at": file.updated_at,
            "by_division": by.pk != user.pk,
            "site_url": settings.SITE_URL,
        },
        language=user.language,
    )


def financial_file_save(
    *,
    user: User,
    by: User,
    holder: str,
    iban: str,
    bic: str,
    nir: str = "",
    rib_document: UploadedFile | None = None,
) -> FinancialFile:
    """Create or update a participant's financial file.

    Only the participant edits their own file (PermissionDenied otherwise). Any
    change puts it back to "to be checked", records who made it (they will not
    be the one to verify it), is logged by field name only and e-mailed to the
    participant once committed.
    """
    if by.pk != user.pk:
        raise PermissionDenied
    now = timezone.now()
    values = {"holder": holder, "iban": iban, "bic": bic, "nir": nir}
    with transaction.atomic():
        existing = FinancialFile.objects.select_for_update().filter(user=user).first()
        created = existing is None
        if existing is None:
            file = FinancialFile(user=user, updated_at=now, **values)
            changed = [name for name, value in values.items() if value]
        else:
            file = existing
            changed = [
                name for name in FINANCIAL_FIELDS if getattr(file, name) != values[name]
            ]
            for name in changed:
                setattr(file, name, values[name])
        if rib_document is not None:
            file.rib_document.save(_upload_name(rib_document), rib_document, save=False)
            changed.append("rib_document")
        if not created and not changed:
            return file
        file.updated_at = now
        file.details_changed_by = by
        _bank_details_changed_mail(file, by=by)
        if created:
            file.save()
            audit_log(
                actor=by,
                action="accounts.financial_file.created",
                target=file,
                to_status=file.status,
                data={"fields": changed},
            )
        elif file.status == FinancialFileStatus.CHECKED:
            apply_transition(
                file,
                table=FINANCIAL_FILE_TRANSITIONS,
                to_status=FinancialFileStatus.TO_CHECK,
                by=by,
                action="accounts.financial_file.updated",
                data={"fields": changed},
                update_fields=[
                    *FINANCIAL_FIELDS,
                    "rib_document",
                    "updated_at",
                    "details_changed_by",
                ],
            )
        else:
            file.save()
            audit_log(
                actor=by,
                action="accounts.financial_file.updated",
                target=file,
                from_status=file.status,
                to_status=file.status,
                data={"fields": changed},
            )
        return file


def can_mark_checked(*, file: FinancialFile, by: User) -> tuple[bool, str]:
    """Whether `by` may certify these bank details, and why not: never their
    own file, never details they changed themselves (four eyes on money)."""
    if file.user_id == by.pk:
        return False, _("Vous ne pouvez pas vérifier votre propre dossier.")
    if file.details_changed_by_id == by.pk:
        return False, _(
            "Vous avez vous-même enregistré ces coordonnées bancaires : un autre "
            "gestionnaire doit les vérifier."
        )
    return True, ""


def financial_file_mark_checked(*, file: FinancialFile, by: User) -> FinancialFile:
    """A manager certifies the bank details (PermissionDenied with the reason
    when `can_mark_checked` refuses)."""
    with transaction.atomic():
        locked = FinancialFile.objects.select_for_update().get(pk=file.pk)
        allowed, reason = can_mark_checked(file=locked, by=by)
        if not allowed:
            raise PermissionDenied(reason)
        locked.checked_at = timezone.now()
        apply_transition(
            locked,
            table=FINANCIAL_FILE_TRANSITIONS,
            to_status=FinancialFileStatus.CHECKED,
            by=by,
            action="accounts.financial_file.checked",
            update_fields=["checked_at"],
        )
        return locked


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language `user` reads the site in: their e-mails and
    documents follow it. A preference, not a transition: no audit event."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def external_request_submit(
    *, fields: dict[str, Any], rib_document: UploadedFile
) -> ExternalParticipantRequest:
    """Record a visitor's request and acknowledge it by e-mail."""
    with transaction.atomic():
        request = ExternalParticipantRequest(
            **fields, language=translation.get_language() or settings.LANGUAGE_CODE
        )
        request.rib_document.save(_upload_name(rib_document), rib_document, save=False)
        request.save()
        audit_log(
            actor=None,
            action="accounts.request.submitted",
            target=request,
            to_status=request.status,
        )
        send_templated_mail(
            "request-received",
            to=[request.email],
            context={"request": request},
            language=request.language,
        )
        return request


def _decide(
    request: ExternalParticipantRequest,
    *,
    to_status: str,
    by: User,
    action: str,
    data: dict[str, Any],
    fields: list[str],
) -> None:
    """Record a manager's decision on a locked request (TransitionNotAllowed if
    it was already decided)."""
    request.decided_at = timezone.now()
    apply_transition(
        request,
        table=REQUEST_TRANSITIONS,
        to_status=to_status,
        by=by,
        action=action,
        data=data,
        update_fields=[*fields, "decided_at"],
    )


def external_request_approve(*, request: ExternalParticipantRequest, by: User) -> User:
    """Create the participant, their account and financial file from the request.

    E-mails the participant number and a link to choose a password.
    """

    with transaction.atomic():
        locked = ExternalParticipantRequest.objects.select_for_update().get(
            pk=request.pk
        )
        if locked.status != RequestStatus.PENDING:
            raise ValidationError(_("Cette demande a déjà été traitée."))
        user = external_participant_create(
            by=by,
            first_name=locked.first_name,
            last_name=locked.last_name,
            email=locked.email,
            phone=locked.phone,
            address=f"{locked.address}, {locked.postal_code} {locked.commune_name}",
            language=locked.language,
            email_verified=False,  # typed by the requester: they confirm it
        )
        file = FinancialFile(
            user=user,
            holder=locked.holder,
            iban=locked.iban,
            bic=locked.bic,
            updated_at=timezone.now(),
            # Whoever approves the request does not verify what it brought.
            details_changed_by=by,
        )
        # A stored file is one with a name (what FieldFile's truth tests).
        stored_name = locked.rib_document.name
        if stored_name:
            with locked.rib_document.open("rb") as document:
                file.rib_document.save(
                    stored_name.rsplit("/", 1)[-1],
                    ContentFile(document.read()),
                    save=False,
                )
        file.save()
        audit_log(
            actor=by,
            action="accounts.financial_file.created",
            target=file,
            to_status=file.status,
            data={"from_request": locked.pk},
        )
        locked.participant = user
        _decide(
            locked,
            to_status=RequestStatus.APPROVED,
            by=by,
            action="accounts.request.approved",
            data={"participant_number": user.participant_number},
            fields=["participant"],
        )
        send_templated_mail(
            "request-approved",
            to=[user.email],
            context={
                "user": user,
                "set_password_path": password_set_path(user),
                "site_url": settings.SITE_URL,
            },
            language=user.language,
        )
        # No separate e-mail about the bank details: they are the ones the
        # participant sent with the request this e-mail answers.
        return user


def external_request_reject(
    *, request: ExternalParticipantRequest, by: User, reason: str
) -> ExternalParticipantRequest:
    """Refuse a request; the reason is mandatory and e-mailed to the requester."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _("Indiquez le motif du refus : il sera envoyé au demandeur.")
        )
    with transaction.atomic():
        locked = ExternalParticipantRequest.objects.select_for_update().get(
            pk=request.pk
        )
        locked.rejection_reason = reason
        _decide(
            locked,
            to_status=RequestStatus.REJECTED,
            by=by,
            action="accounts.request.rejected",
            data={"reason": reason},
            fields=["rejection_reason"],
        )
        send_templated_mail(
            "request-rejected",
            to=[locked.email],
            context={"request": locked},
            language=locked.language,
        )
        return locked
