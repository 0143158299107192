"""Reminders sent to participants about claims still to complete."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimReminder(models.Model):
    """One reminder stage sent for one claim: at most once (unique)."""

    claim = models.ForeignKey(
        "claims.Claim",
        verbose_name=_("état de frais"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    # The stage is the number of days before the session's deadline it is for.
    days_before = models.PositiveSmallIntegerField(_("jours avant la date limite"))
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["claim", "-days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "days_before"], name="reminder_once_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} — J-{self.days_before}"
