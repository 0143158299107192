"""People and places: users (agents and external participants), communes, schools."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from imagin.managers import NamedWithManager

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Commune(models.Model):
    """A commune, for centres and residences; travel is paid between communes."""

    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    # Travel to a neighbouring commune is not paid (décret 2006-781).
    neighbours = models.ManyToManyField(
        "self", verbose_name=_("communes limitrophes"), blank=True, symmetrical=True
    )
    # The town hall's position (WGS 84), for the automatic assignment's
    # distances; unknown: no distance is counted (missions.auto_assignment).
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.postal_code})" if self.postal_code else self.name


class Establishment(models.Model):
    """A school or other establishment: a participant's main place of work."""

    uai = models.CharField(_("code UAI"), max_length=8, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT
    )

    objects = NamedWithManager("commune")

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} — {self.commune.name}"


class User(AbstractUser):
    """Anyone who signs in. Participants are agents or external participants.

    Agents come through the académie's single sign-on (or a username for staff);
    external participants sign in with the participant number printed on their
    convocation, which is then their username.
    """

    class Kind(models.TextChoices):
        AGENT = "agent", _("Agent de l'académie")
        EXTERNAL = "external", _("Intervenant extérieur")

    class CorpsCategory(models.TextChoices):
        # Competitions pay by the participant's corps (arrêté du 7 mai 2012).
        A1 = "A1", _("Catégorie A1")
        A2 = "A2", _("Catégorie A2")
        B = "B", _("Catégorie B")
        C = "C", _("Catégorie C")

    kind = models.CharField(
        _("type d'intervenant"), max_length=10, choices=Kind, default=Kind.AGENT
    )
    participant_number = models.CharField(
        _("numéro d'intervenant"), max_length=20, unique=True, null=True, blank=True
    )
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    address = models.CharField(_("adresse postale"), max_length=250, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune de résidence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    establishment = models.ForeignKey(
        Establishment,
        verbose_name=_("établissement principal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    corps_category = models.CharField(
        _("catégorie de corps"), max_length=2, choices=CorpsCategory, blank=True
    )
    load_limit = models.PositiveSmallIntegerField(
        _("nombre maximal de missions par session"), null=True, blank=True
    )
    # An external participant's first password is printed on their convocation:
    # it signs in again and again until they choose their own (every page asks
    # them to) or until it expires.
    must_change_password = models.BooleanField(
        _("doit choisir un mot de passe personnel"), default=False
    )
    initial_password_expires_at = models.DateTimeField(
        _("expiration du mot de passe initial"), null=True, blank=True
    )
    initial_password_used_at = models.DateTimeField(
        _("première connexion avec le mot de passe initial"), null=True, blank=True
    )
    # The language the user last chose or signed in with: their e-mails and
    # documents are written in it, wherever they are sent from.
    language = models.CharField(
        _("langue"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )

    class NotificationFrequency(models.TextChoices):
        IMMEDIATE = "immediate", _("Un courriel à chaque étape de mes états de frais")
        WEEKLY = "weekly", _("Un récapitulatif par semaine")

    # How news of their claims reaches them (claims.notifications): at once,
    # or gathered in a weekly digest. Security e-mails are always sent at once.
    notification_frequency = models.CharField(
        _("courriels sur mes états de frais"),
        max_length=10,
        choices=NotificationFrequency,
        default=NotificationFrequency.IMMEDIATE,
    )

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            # An external participant signs in with their participant number.
            models.CheckConstraint(
                condition=Q(kind="agent") | Q(username=F("participant_number")),
                name="external_signs_in_with_participant_number",
                violation_error_message=_(
                    "L'identifiant d'un intervenant extérieur est son numéro "
                    "d'intervenant."
                ),
            ),
        ]

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username

    @property
    def is_external(self) -> bool:
        return self.kind == self.Kind.EXTERNAL

    # Not stored: set by `accounts.passwords.password_chosen` on the instance
    # whose initial password was just replaced, for the rest of the request.
    initial_password_replaced = False

    def initial_password_refusal(self, now: datetime) -> StrOrPromise:
        """Why the initial password may no longer sign in ("" if it may). It
        may sign in as often as needed until it expires; once a personal
        password replaced it, it simply no longer matches."""
        if not self.must_change_password:
            return ""
        if self.initial_password_expires_at and self.initial_password_expires_at < now:
            return _(
                "Votre mot de passe initial a expiré. Choisissez un nouveau mot de "
                "passe avec « Mot de passe oublié », ou demandez-en un nouveau à la "
                "division des examens et concours."
            )
        return ""
