"""Requests to create an external participant (demande de création d'un intervenant)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.storage import private_storage, rib_upload_to
from accounts.validators import mask_iban
from imagin.crypto import EncryptedTextField
from imagin.workflow import TransitionTable


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("En attente d'examen")
    APPROVED = "approved", _("Acceptée")
    REJECTED = "rejected", _("Refusée")


REQUEST_TRANSITIONS = TransitionTable(
    {RequestStatus.PENDING: {RequestStatus.APPROVED, RequestStatus.REJECTED}}
)


class ExternalParticipantRequest(models.Model):
    """Anyone may ask for an external participant to be created; a manager decides."""

    class Category(models.TextChoices):
        # The categories of the service's public page (who may ask for an account).
        CIVIL_SERVANT = "civil_servant", _("Fonctionnaire d'une autre administration")
        PROFESSOR = "professor", _("Professeur de l'enseignement supérieur")
        OTHER_ACADEMIE = (
            "other_academie",
            _("Fonctionnaire de l'éducation nationale affecté dans une autre académie"),
        )
        PRIVATE = (
            "private",
            _("Salarié du secteur privé, profession libérale ou retraité"),
        )

    category = models.CharField(_("catégorie"), max_length=20, choices=Category)
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150)
    birth_date = models.DateField(_("date de naissance"))
    email = models.EmailField(_("adresse électronique"))
    phone = models.CharField(_("téléphone"), max_length=30)
    address = models.CharField(_("adresse postale"), max_length=250)
    postal_code = models.CharField(_("code postal"), max_length=10)
    commune_name = models.CharField(_("commune"), max_length=120)
    employer = models.CharField(_("employeur"), max_length=200)
    disciplines_taught = models.TextField(_("disciplines enseignées ou compétences"))
    holder = models.CharField(_("titulaire du compte"), max_length=140)
    iban = EncryptedTextField(_("IBAN"))
    bic = models.CharField(_("BIC"), max_length=11)
    rib_document = models.FileField(
        _("relevé d'identité bancaire (RIB)"),
        storage=private_storage,
        upload_to=rib_upload_to,
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=RequestStatus, default=RequestStatus.PENDING
    )
    rejection_reason = models.TextField(_("motif du refus"), blank=True)
    # The language the request was made in: its e-mails are written in it.
    language = models.CharField(_("langue"), max_length=8, default="fr")
    participant = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intervenant créé"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="creation_request",
    )
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande de création d'intervenant extérieur")
        verbose_name_plural = _("demandes de création d'intervenant extérieur")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="rejected_request_has_a_reason",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.last_name.upper()} {self.first_name} ({self.get_status_display()})"
        )

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)
