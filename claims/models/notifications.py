"""News of a claim kept for a participant's weekly digest.

A participant who chose one e-mail a week (`User.notification_frequency`)
gets no e-mail at each step of their claims: each step is kept here, in the
transaction that took it, and `send_weekly_digests` (weekly cron) sends each
person one e-mail listing them, then deletes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingNotification(models.Model):
    """One step of one claim, to tell its participant in the next digest."""

    class Kind(models.TextChoices):
        APPROVED = "approved", _("Validé par la division des examens et concours")
        CANCELLED = "cancelled", _("Annulé par la division des examens et concours")
        RESTORED = "restored", _("Rétabli par la division des examens et concours")
        IN_PAYMENT = "in_payment", _("Mis en paiement")
        PAID = "paid", _("Payé")
        PAYMENT_CANCELLED = (
            "payment_cancelled",
            _("Retiré de la mise en paiement (reporté au prochain lot)"),
        )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="pending_notifications",
    )
    claim = models.ForeignKey(
        "claims.Claim",
        verbose_name=_("état de frais"),
        on_delete=models.CASCADE,
        related_name="pending_notifications",
    )
    kind = models.CharField(_("étape"), max_length=20, choices=Kind)
    amount = models.DecimalField(
        _("montant"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("courriel en attente du récapitulatif")
        verbose_name_plural = _("courriels en attente du récapitulatif")
        ordering = ["user", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user_id} — {self.claim_id} — {self.kind}"
