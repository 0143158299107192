"""Centre heads and their certificates of service done (constat de service fait).

A centre head (chef de centre) is linked to the centre(s) they run; for each
convocation to a mission of their centre they certify whether the person
came (présent(e)) or not (absent(e)), with an optional comment. The
certificate can change until the division validates the claim
(missions.certification). Where the deployment asks for it
(settings.SERVICE_FAIT_REQUIRED), the division validates only claims whose
service is certified present.

The models are imported by missions.models, which registers them with the
app; they name the other models by label so this module imports none.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class CentreHead(models.Model):
    """A person who heads an exam centre and certifies its service done."""

    centre = models.ForeignKey(
        "missions.Centre",
        verbose_name=_("centre"),
        on_delete=models.CASCADE,
        related_name="head_links",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chef de centre"),
        on_delete=models.CASCADE,
        related_name="headed_centres",
    )

    class Meta:
        verbose_name = _("chef de centre")
        verbose_name_plural = _("chefs de centre")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "user"], name="centre_head_once_per_centre"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.centre_id}"


class ServiceCertificate(models.Model):
    """The centre head's word on one convocation: present or absent."""

    assignment = models.OneToOneField(
        "missions.Assignment",
        verbose_name=_("convocation"),
        on_delete=models.CASCADE,
        related_name="service_certificate",
    )
    present = models.BooleanField(_("présent(e)"))
    comment = models.TextField(_("commentaire du chef de centre"), blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("certifié par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text so the claim still names the head if the account goes.
    certified_by_name = models.CharField(_("certifié par (nom)"), max_length=200)
    certified_at = models.DateTimeField(_("certifié le"))

    class Meta:
        verbose_name = _("constat de service fait")
        verbose_name_plural = _("constats de service fait")

    def __str__(self) -> str:
        return f"{self.assignment_id}: {'présent' if self.present else 'absent'}"


def certificate_of(assignment: models.Model) -> ServiceCertificate | None:
    """The assignment's certificate, or None (one query unless loaded)."""
    try:
        return assignment.service_certificate  # type: ignore[attr-defined]
    except ServiceCertificate.DoesNotExist:
        return None


def certified_present(assignment: models.Model) -> bool:
    certificate = certificate_of(assignment)
    return certificate is not None and certificate.present


def certified_on(assignment: models.Model):
    """When the centre head certified the participant present, or None."""
    certificate = certificate_of(assignment)
    return certificate.certified_at if certificate and certificate.present else None


def service_done_wait(assignment: models.Model) -> str:
    """Why the participant's claim waits for the centre head (the payment
    tracker's words), or "" once they certified the service done."""
    certificate = certificate_of(assignment)
    if certificate is None:
        return gettext("En attente du constat de service fait par le chef de centre.")
    if certificate.present:
        return ""
    return gettext(
        "Le chef de centre vous a déclaré(e) absent(e) : rapprochez-vous de lui "
        "ou de la division."
    )
