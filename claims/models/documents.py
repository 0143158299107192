"""Supporting documents (justificatifs) a participant sends for a claim."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.storage import private_storage, unguessable_name


def document_upload_to(document: SupportingDocument, filename: str) -> str:
    return unguessable_name("justificatifs", filename)


class SupportingDocument(models.Model):
    class Kind(models.TextChoices):
        TRANSPORT = "transport", _("Billets ou titres de transport")
        HOTEL = "hotel", _("Factures d'hébergement")
        RIB = "rib", _("Relevé d'identité bancaire (RIB)")
        OTHER = "other", _("Autre justificatif")

    claim = models.ForeignKey(
        "claims.Claim",
        verbose_name=_("état de frais"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("nature"), max_length=12, choices=Kind)
    file = models.FileField(
        _("fichier"), storage=private_storage, upload_to=document_upload_to
    )
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("justificatif")
        verbose_name_plural = _("justificatifs")
        ordering = ["claim", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name}"
