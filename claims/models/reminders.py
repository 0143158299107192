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


class FinancialFileReminder(models.Model):
    """A participant reminded, before a mission, that their financial file is
    missing or will have expired by then: at most once per assignment (unique),
    whatever the number of runs (`claims.file_reminders`)."""

    class Reason(models.TextChoices):
        MISSING = "missing", _("Dossier financier manquant")
        EXPIRING = "expiring", _("Dossier financier expiré avant la mission")

    assignment = models.OneToOneField(
        "missions.Assignment",
        verbose_name=_("affectation"),
        on_delete=models.CASCADE,
        related_name="financial_file_reminder",
    )
    reason = models.CharField(_("motif"), max_length=10, choices=Reason)
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("relance du dossier financier")
        verbose_name_plural = _("relances du dossier financier")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.assignment_id} — {self.reason}"
