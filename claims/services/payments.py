"""Mises en paiement: payment batches of validated claims.

A manager gathers validated claims into a batch (chosen ones, or all those
validated up to a date); they move to "in payment" and point to the batch,
so none is ever in two. The batch's file for the financial system is
exported (each download recorded, since it holds IBANs); until then the
batch can be cancelled, which gives its claims back; once exported, it is
marked paid and so are its claims. Participants are e-mailed at each step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import FinancialFile, FinancialFileStatus, User
from claims import exports
from claims.models import (
    CLAIM_TRANSITIONS,
    PAYMENT_BATCH_TRANSITIONS,
    Claim,
    ClaimStatus,
    PaymentBatch,
    PaymentBatchStatus,
)
from claims.tasks import render_payment_batch_recap, send_payment_news
from imagin.audit import audit_log
from imagin.workflow import apply_transition, apply_transitions

BATCH_RELATED = (
    "assignment__participant",
    "assignment__mission__mission_type",
    "assignment__mission__exam",
    "assignment__mission__epreuve",
    "assignment__mission__centre",
)


def payable_refusal(claim: Claim, by: User) -> str:
    """Why the claim cannot be put into payment by `by` ("" if it can).

    The caller loads the participant and their financial file.
    """
    if claim.status != ClaimStatus.APPROVED:
        return _("il n'est pas validé par le gestionnaire (statut : %(status)s)") % {
            "status": claim.get_status_display()
        }
    participant = claim.assignment.participant
    if participant.pk == by.pk:
        return _(
            "c'est votre propre état de frais : un autre gestionnaire le met en "
            "paiement"
        )
    file = getattr(participant, "financial_file", None)
    if file is None:
        return _("l'intervenant n'a pas de dossier financier (coordonnées bancaires)")
    if file.status != FinancialFileStatus.CHECKED:
        return _("le dossier financier de l'intervenant n'est pas encore vérifié")
    return ""


@dataclass
class BatchOutcome:
    """A batch created, and the claims left out with the reason (a call that
    could make no batch raises ValidationError instead)."""

    batch: PaymentBatch
    excluded: list[tuple[Claim, str]] = field(default_factory=list)


def payment_batch_create(
    *, claim_ids: Iterable[int], by: User, label: str = ""
) -> BatchOutcome:
    """Put the payable claims among `claim_ids` into a new batch.

    Claims that cannot be paid (not validated, already in a batch, one's own,
    no checked financial file) are left out and reported. Raises
    ValidationError, creating nothing, when none can be paid. The claims are
    locked in a fixed order, so two managers building batches at once never
    share a claim. E-mails each participant once committed.
    """
    ids = sorted(set(claim_ids))
    with transaction.atomic():
        # Lock the claims only (the joined rows are shared with other claims).
        list(
            Claim.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        claims = list(
            Claim.objects.select_related(
                *BATCH_RELATED, "assignment__participant__financial_file"
            )
            .filter(pk__in=ids)
            .order_by("pk")
        )
        payable, excluded = [], []
        for claim in claims:
            reason = payable_refusal(claim, by)
            if reason:
                excluded.append((claim, reason))
            else:
                payable.append(claim)
        if not payable:
            raise ValidationError(
                [_("Aucun état de frais ne peut être mis en paiement.")]
                + [
                    _("N° %(pk)d (%(who)s) : %(why)s.")
                    % {"pk": c.pk, "who": c.assignment.participant, "why": why}
                    for c, why in excluded
                ]
            )
        batch = PaymentBatch.objects.create(
            label=label.strip(), currency=settings.CURRENCY, created_by=by
        )
        apply_transitions(
            payable,
            table=CLAIM_TRANSITIONS,
            to_status=ClaimStatus.IN_PAYMENT,
            by=by,
            action="claims.claim.in_payment",
            data={"batch": batch.pk},
            values={
                "payment_batch": batch,
                "version": F("version") + 1,
                "updated_at": timezone.now(),
            },
        )
        audit_log(
            actor=by,
            action="claims.payment_batch.created",
            target=batch,
            to_status=batch.status,
            data={
                "claims": [claim.pk for claim in payable],
                "excluded": [claim.pk for claim, _why in excluded],
            },
        )
        news_once_committed(payable, "in_payment", batch)
        transaction.on_commit(lambda: schedule_recap(batch))
        return BatchOutcome(batch, excluded)


def news_once_committed(claims: list[Claim], event: str, batch: PaymentBatch) -> None:
    """Have the worker e-mail the claims' participants about the batch's step,
    once committed (`claims.tasks.send_payment_news`)."""
    ids = [claim.pk for claim in claims]
    transaction.on_commit(lambda: send_payment_news.enqueue(ids, event, batch.pk))


def schedule_recap(batch: PaymentBatch) -> None:
    """Have the batch's recap PDF laid out by the background worker."""
    render_payment_batch_recap.enqueue(batch.pk)


def claims_payable_until(*, until: date, session_id: int | None = None) -> list[int]:
    """Ids of the claims validated on or before `until` (local date), not yet
    in payment, maybe of one session."""
    claims = Claim.objects.filter(
        status=ClaimStatus.APPROVED,
        approved_at__date__lte=until,
        payment_batch__isnull=True,
    )
    if session_id:
        claims = claims.filter(assignment__mission__exam__session_id=session_id)
    return list(claims.values_list("pk", flat=True))


def _lock_batch(batch: PaymentBatch) -> PaymentBatch:
    return PaymentBatch.objects.select_for_update().get(pk=batch.pk)


def _batch_claims(batch: PaymentBatch) -> list[Claim]:
    return list(
        Claim.objects.select_for_update(of=("self",))
        .select_related(*BATCH_RELATED)
        .filter(payment_batch=batch)
        .order_by("pk")
    )


def payment_batch_export(*, batch: PaymentBatch, by: User) -> tuple[str, bytes]:
    """The batch's file for the financial system: (filename, CSV bytes).

    The first export moves the batch to "exported" (it can no longer be
    cancelled); every export is recorded in the audit log, since the file
    holds the participants' IBANs. Raises ValidationError for a cancelled
    batch, or when bank details changed since the batch was made and are not
    checked again: the file only ever carries IBANs the division checked.
    """
    with transaction.atomic():
        locked = _lock_batch(batch)
        if locked.status == PaymentBatchStatus.CANCELLED:
            raise ValidationError(_("Ce lot est annulé : il n'y a rien à exporter."))
        # Held until the file is written: nobody changes them meanwhile.
        list(
            FinancialFile.objects.select_for_update()
            .filter(user__assignments__claim__payment_batch=locked)
            .values_list("pk", flat=True)
        )
        unchecked = list(
            Claim.objects.filter(payment_batch=locked)
            .exclude(
                assignment__participant__financial_file__status=(
                    FinancialFileStatus.CHECKED
                )
            )
            .select_related("assignment__participant")
            .order_by("pk")
        )
        if unchecked:
            raise ValidationError(
                [
                    _(
                        "Le fichier n'est pas exporté : les coordonnées bancaires de "
                        "ces intervenants ont changé depuis la constitution du lot. "
                        "Vérifiez leur dossier financier, puis exportez à nouveau."
                    )
                ]
                + [
                    _("N° %(pk)d — %(who)s")
                    % {"pk": c.pk, "who": c.assignment.participant}
                    for c in unchecked
                ]
            )
        if locked.status == PaymentBatchStatus.OPEN:
            locked.exported_at = timezone.now()
            apply_transition(
                locked,
                table=PAYMENT_BATCH_TRANSITIONS,
                to_status=PaymentBatchStatus.EXPORTED,
                by=by,
                action="claims.payment_batch.exported",
                update_fields=["exported_at"],
            )
        filename, content, rows = exports.batch_csv(locked)
        audit_log(
            actor=by,
            action="claims.payment_batch.file_downloaded",
            target=locked,
            data={"rows": rows, "holds": "iban"},
        )
        return filename, content


def payment_batch_cancel(*, batch: PaymentBatch, by: User, reason: str) -> PaymentBatch:
    """Undo a batch not yet exported: its claims are validated again, free
    for another batch, and their participants are told. Raises
    ValidationError without a reason, or once the file went to the financial
    system."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif de l'annulation du lot."))
    with transaction.atomic():
        locked = _lock_batch(batch)
        if locked.status != PaymentBatchStatus.OPEN:
            raise ValidationError(
                _(
                    "Seul un lot pas encore exporté peut être annulé (statut "
                    "actuel : %(status)s)."
                )
                % {"status": locked.get_status_display()}
            )
        claims = _batch_claims(locked)
        apply_transitions(
            claims,
            table=CLAIM_TRANSITIONS,
            to_status=ClaimStatus.APPROVED,
            by=by,
            action="claims.claim.payment_cancelled",
            # The reason stays on the batch: it may name someone else's file.
            data={"batch": locked.pk},
            values={
                "payment_batch": None,
                "version": F("version") + 1,
                "updated_at": timezone.now(),
            },
        )
        locked.cancelled_at = timezone.now()
        apply_transition(
            locked,
            table=PAYMENT_BATCH_TRANSITIONS,
            to_status=PaymentBatchStatus.CANCELLED,
            by=by,
            action="claims.payment_batch.cancelled",
            data={"reason": reason, "claims": [claim.pk for claim in claims]},
            update_fields=["cancelled_at"],
        )
        news_once_committed(claims, "payment_cancelled", locked)
        return locked


def payment_batch_mark_paid(*, batch: PaymentBatch, by: User) -> PaymentBatch:
    """The financial system paid an exported batch: it and its claims are
    paid. Raises ValidationError before the export. E-mails participants."""
    with transaction.atomic():
        locked = _lock_batch(batch)
        if locked.status != PaymentBatchStatus.EXPORTED:
            raise ValidationError(
                _(
                    "Seul un lot exporté vers le système financier peut être "
                    "marqué payé (statut actuel : %(status)s)."
                )
                % {"status": locked.get_status_display()}
            )
        claims = _batch_claims(locked)
        apply_transitions(
            claims,
            table=CLAIM_TRANSITIONS,
            to_status=ClaimStatus.PAID,
            by=by,
            action="claims.claim.paid",
            data={"batch": locked.pk},
            values={"version": F("version") + 1, "updated_at": timezone.now()},
        )
        locked.paid_at = timezone.now()
        apply_transition(
            locked,
            table=PAYMENT_BATCH_TRANSITIONS,
            to_status=PaymentBatchStatus.PAID,
            by=by,
            action="claims.payment_batch.paid",
            data={"claims": len(claims)},
            update_fields=["paid_at"],
        )
        news_once_committed(claims, "paid", locked)
        return locked
