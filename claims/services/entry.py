"""The participant's writes on their claim: saving the entry, validating it,
"mission non effectuée", supporting documents.

Each service takes the acting user, runs in one transaction on a locked row,
checks the transition table and appends an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import MANAGER
from claims import amounts, flow, plausibility, selectors, steps
from claims.models import CLAIM_TRANSITIONS, Claim, ClaimStatus, SupportingDocument
from imagin.audit import audit_log
from imagin.mail import send_templated_mail
from imagin.text import printable
from imagin.uploads import validate_document
from imagin.workflow import apply_transition


class ClaimChanged(Exception):
    """The claim was saved elsewhere (another tab, a manager) since the form
    was opened: nothing is written, and `current` is the claim as it is now."""

    def __init__(self, current: Claim) -> None:
        super().__init__(_("Cet état de frais a été modifié entre-temps."))
        self.current = current


def _lock_own_claim(claim: Claim, by: User) -> Claim:
    """The claim, locked and loaded for the entry rules; only its participant.

    Loaded as the participant's pages load it (`claim_for_participant`: its
    mission apart, travel rows only for a travel part), with its lines: one
    wide join cost more to plan than a save costs to write."""
    Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
    try:
        return selectors.claim_for_participant(by, claim.pk, related=("lines",))
    except Claim.DoesNotExist:
        raise PermissionDenied(_("Cet état de frais n'est pas le vôtre.")) from None


def _check_open(claim: Claim) -> None:
    refusal = flow.entry_closed_reason(claim)
    if refusal:
        raise ValidationError(refusal)


def claim_step_save(
    *,
    claim: Claim,
    by: User,
    version: int,
    step: str,
    values: Mapping[str, Any],
    complete: bool,
    draft: dict[str, list[str]] | None = None,
) -> Claim:
    """Save what the participant typed on one step, complete or not.

    `step` is the step's identifier; `values` are what its `Step.read` hands
    over: the valid values of the claim's fields the step saves, and the
    lines it replaces as a whole (trips, meals, nights). `complete` marks the
    step done; `draft` is what was typed when some of it was invalid (kept,
    shown again as typed), None when the step is valid. Raises ClaimChanged
    when `version` is not the claim's (saved elsewhere meanwhile),
    ValidationError when the entry is closed, PermissionDenied for anyone
    but the claim's participant.
    """
    entry_step = steps.registered(step)
    with transaction.atomic():
        locked = _lock_own_claim(claim, by)
        _check_open(locked)
        if locked.version != version:
            raise ClaimChanged(locked)
        own = set(entry_step.fields(locked))
        unknown = set(values) - own - set(entry_step.rows)
        if unknown:
            raise ValueError(f"The {step} step does not save {sorted(unknown)}.")
        fields = {name: value for name, value in values.items() if name in own}
        if complete:
            fields["steps_done"] = sorted({*locked.steps_done, step})
        for name, value in fields.items():
            setattr(locked, name, value)
        kept = dict(locked.draft) if isinstance(locked.draft, dict) else {}
        if draft is None:
            kept.pop(step, None)
        else:
            kept[step] = draft
        locked.draft = kept
        for related, model in entry_step.rows.items():
            if related in values:
                model._default_manager.filter(claim=locked).delete()
                model._default_manager.bulk_create(
                    model(claim=locked, **row) for row in values[related]
                )
        locked.version += 1
        locked.save(update_fields=[*fields, "draft", "version", "updated_at"])
        audit_log(
            actor=by,
            action="claims.claim.saved",
            target=locked,
            data={
                "step": step,
                "fields": {name: _audit_value(value) for name, value in fields.items()},
                "complete": draft is None,
            },
        )
        return locked


def _audit_value(value: object) -> object:
    """A saved value as the audit event keeps it: booleans, integers and None
    as they are, anything else (decimals, dates) as its text."""
    return value if isinstance(value, (bool, int, type(None))) else str(value)


def claim_submit(*, claim: Claim, by: User, version: int) -> tuple[Claim, bool]:
    """The participant validates their claim as a whole ("Valider").

    Returns (claim, True) when this call submitted it, (claim, False) when it
    was already submitted (a double click, the back button, a retry): a claim
    is submitted exactly once. Raises ValidationError listing every problem
    (or why the entry is closed), ClaimChanged when it changed meanwhile.
    """
    with transaction.atomic():
        locked = _lock_own_claim(claim, by)
        if locked.submitted_at is not None and not locked.is_editable_by_participant:
            return locked, False
        _check_open(locked)
        if locked.version != version:
            raise ClaimChanged(locked)
        problems = steps.entry_problems(locked)
        priced = selectors.claim_amounts(locked)
        # What only the division can fill in (the amount it enters, an
        # épreuve's time per candidate, a diploma's VAE coefficient) is not
        # the participant's to give.
        division = amounts.division_problems()
        problems += [
            p for p in priced.problems if p not in problems and p not in division
        ]
        if problems:
            raise ValidationError(problems)
        # The points a manager should check (never a refusal), stored for the
        # queue's filter; the status itself moves only through the workflow.
        locked.plausibility_codes = plausibility.codes_to_store(locked)
        locked.save(update_fields=["plausibility_codes"])
        locked.submitted_at = timezone.now()
        locked.version += 1
        apply_transition(
            locked,
            table=CLAIM_TRANSITIONS,
            to_status=ClaimStatus.SUBMITTED,
            by=by,
            action="claims.claim.submitted",
            data={"estimated_total": str(priced.total), "currency": locked.currency},
            update_fields=["submitted_at", "version", "updated_at"],
        )
        return locked, True


def claim_declare_not_performed(
    *, claim: Claim, by: User, version: int, comment: str = ""
) -> Claim:
    """The participant did not do the mission: the entry closes and the
    managers are told by e-mail. Idempotent (a second click changes nothing)."""
    with transaction.atomic():
        locked = _lock_own_claim(claim, by)
        if locked.status == ClaimStatus.NOT_PERFORMED:
            return locked
        _check_open(locked)
        if locked.version != version:
            raise ClaimChanged(locked)
        locked.not_performed_comment = comment.strip()
        locked.submitted_at = timezone.now()
        locked.version += 1
        apply_transition(
            locked,
            table=CLAIM_TRANSITIONS,
            to_status=ClaimStatus.NOT_PERFORMED,
            by=by,
            action="claims.claim.not_performed",
            data={"comment": locked.not_performed_comment},
            update_fields=[
                "not_performed_comment",
                "submitted_at",
                "version",
                "updated_at",
            ],
        )
        managers = list(
            User.objects.filter(groups__name=MANAGER, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        if managers:
            send_templated_mail(
                "claim-not-performed",
                to=managers,
                context={"claim": locked, "site_url": settings.SITE_URL},
                language=None,  # the exam division's language, French
            )
        return locked


# Claims the participant may still attach supporting documents to.
DOCUMENTS_OPEN = frozenset(
    {ClaimStatus.SUBMITTED, ClaimStatus.RETURNED, ClaimStatus.APPROVED}
)
MAX_DOCUMENTS_PER_CLAIM = 20


def document_add(
    *, claim: Claim, by: User, kind: str, upload: UploadedFile
) -> SupportingDocument:
    """The participant attaches a supporting document (PDF, PNG or JPEG).

    Raises ValidationError with the reason (type, size, status, too many).
    """
    content_type = validate_document(upload)
    with transaction.atomic():
        locked = _lock_own_claim(claim, by)
        if locked.status not in DOCUMENTS_OPEN:
            raise ValidationError(
                _("Les justificatifs se déposent une fois l'état de frais validé.")
            )
        if locked.documents.count() >= MAX_DOCUMENTS_PER_CLAIM:
            raise ValidationError(
                _("%d justificatifs au plus par état de frais.")
                % MAX_DOCUMENTS_PER_CLAIM
            )
        document = SupportingDocument.objects.create(
            claim=locked,
            kind=kind,
            file=upload,
            original_name=printable((upload.name or "justificatif")[-200:], 200),
            content_type=content_type,
            size=upload.size or 0,  # never None: validate_document refused it
            uploaded_by=by,
        )
        audit_log(
            actor=by,
            action="claims.claim.document_added",
            target=locked,
            data={"kind": kind, "name": document.original_name},
        )
        return document
