"""The financial file (dossier financier): where and how a participant is paid."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.storage import private_storage, rib_upload_to
from accounts.validators import mask_iban, mask_nir
from imagin.crypto import EncryptedTextField
from imagin.workflow import TransitionTable


class FinancialFileStatus(models.TextChoices):
    TO_CHECK = "to_check", _("À vérifier par la division des examens")
    CHECKED = "checked", _("Vérifié")


FINANCIAL_FILE_TRANSITIONS = TransitionTable(
    {
        # Any change by the participant sends the file back to be checked.
        FinancialFileStatus.CHECKED: {FinancialFileStatus.TO_CHECK},
        FinancialFileStatus.TO_CHECK: {FinancialFileStatus.CHECKED},
    }
)


class FinancialFile(models.Model):
    """Bank details (and the NIR where payroll needs it), with the RIB document.

    IBAN and NIR are encrypted at rest and only ever shown masked.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intervenant"),
        on_delete=models.CASCADE,
        related_name="financial_file",
    )
    holder = models.CharField(_("titulaire du compte"), max_length=140)
    iban = EncryptedTextField(_("IBAN"))
    bic = models.CharField(_("BIC"), max_length=11)
    nir = EncryptedTextField(_("numéro de sécurité sociale"), blank=True)
    rib_document = models.FileField(
        _("relevé d'identité bancaire (RIB)"),
        storage=private_storage,
        upload_to=rib_upload_to,
        blank=True,
    )
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=FinancialFileStatus,
        default=FinancialFileStatus.TO_CHECK,
    )
    updated_at = models.DateTimeField(_("modifié le"))
    checked_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    # Four eyes on money: whoever last changed the bank details (the
    # participant, or the manager who approved a request) never verifies them.
    details_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordonnées modifiées par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dossier financier")
        verbose_name_plural = _("dossiers financiers")

    def __str__(self) -> str:
        return f"{self.user} — {self.masked_iban}"

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)

    @property
    def masked_nir(self) -> str:
        return mask_nir(self.nir)

    def is_to_renew(self, now: datetime) -> bool:
        """Older than the deployment's validity period: the participant renews it."""
        then = self.updated_at
        months = (now.year - then.year) * 12 + now.month - then.month
        if (now.day, now.time()) < (then.day, then.time()):
            months -= 1  # the last month is not complete yet
        return months >= settings.FINANCIAL_FILE_VALIDITY_MONTHS
