"""Payment batches (mises en paiement): validated claims sent to the financial
system together, exported once as a file, then marked paid."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.storage import private_storage
from imagin.workflow import TransitionTable


class PaymentBatchStatus(models.TextChoices):
    OPEN = "open", _("Constitué, non exporté")
    EXPORTED = "exported", _("Exporté vers le système financier")
    PAID = "paid", _("Payé")
    CANCELLED = "cancelled", _("Annulé")


B = PaymentBatchStatus
# A batch can be undone only until its file has gone to the financial system.
PAYMENT_BATCH_TRANSITIONS = TransitionTable(
    {
        B.OPEN: {B.EXPORTED, B.CANCELLED},
        B.EXPORTED: {B.PAID},
        B.PAID: set(),
        B.CANCELLED: set(),
    }
)


def batch_recap_upload_to(batch: PaymentBatch, filename: str) -> str:
    return f"payment-batches/{batch.pk}/{filename}"


class PaymentBatch(models.Model):
    """A set of validated claims put into payment together.

    Its claims point to it (`Claim.payment_batch`) while they are in payment
    or paid, so a claim is never in two batches; cancelling the batch gives
    them back.
    """

    label = models.CharField(
        _("libellé"),
        max_length=120,
        blank=True,
        help_text=_("Facultatif, par exemple « Baccalauréat, juillet »."),
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=PaymentBatchStatus, default=B.OPEN
    )
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("constitué par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("constitué le"), auto_now_add=True)
    exported_at = models.DateTimeField(_("exporté le"), null=True, blank=True)
    paid_at = models.DateTimeField(_("payé le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    # Laid out in the background once the batch is made (a thousand claims
    # take seconds); it records the batch as it was constituted.
    recap = models.FileField(
        _("récapitulatif (PDF)"),
        storage=private_storage,
        upload_to=batch_recap_upload_to,
        blank=True,
    )

    class Meta:
        verbose_name = _("mise en paiement")
        verbose_name_plural = _("mises en paiement")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__in=["EUR", "XPF"]),
                name="payment_batch_currency_known",
            ),
        ]

    def __str__(self) -> str:
        name = str(_("Lot %(reference)s")) % {"reference": self.reference}
        return f"{name} — {self.label}" if self.label else name

    @property
    def reference(self) -> str:
        """The batch's number, as printed on its file and recap."""
        year = self.created_at.year if self.created_at else ""
        return f"{year}-{self.pk:05d}" if self.pk else "—"
