"""What a participant declares in the travel part of a claim: trips, meals, nights.

Values may be missing while the claim is being typed; the amounts module
reports an incomplete entry instead of guessing, and submission requires it
to be complete.

The exam division may correct a line before validating
(`claims.services.travel_review`): the line's fields then hold what the
division retains (what is priced), `declared` the participant's values as
they were before the first correction, and `retained` False strikes the line
(it counts for nothing, and stays in view).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from claims.models.rates import NIGHT_ZONES


class TravelEntry(models.Model):
    """One line of a claim's travel part (`claim.trips`, `.meals`, `.nights`)."""

    claim = models.ForeignKey(
        "claims.Claim",
        verbose_name=_("état de frais"),
        on_delete=models.CASCADE,
        related_name="%(class)ss",
    )
    # The participant's values ({field: value as JSON}) as they were before
    # the division's first correction of the line; null: never corrected.
    declared = models.JSONField(
        _("valeurs déclarées"), null=True, blank=True, editable=False
    )
    # False: the division does not retain the line (e.g. a leg declared twice).
    retained = models.BooleanField(_("retenu"), default=True, editable=False)
    # Why the division corrected or struck the line, shown with it in the
    # décompte (and kept in the audit event of the correction).
    correction_reason = models.CharField(
        _("motif de la correction"), max_length=1000, blank=True, editable=False
    )

    class Meta:
        abstract = True


class Trip(TravelEntry):
    class Mode(models.TextChoices):
        CAR = "car", _("Véhicule personnel")
        PUBLIC_TRANSPORT = "public_transport", _("Transport en commun")

    date = models.DateField(_("date"), null=True, blank=True)
    origin = models.CharField(_("départ"), max_length=120, blank=True)
    destination = models.CharField(_("arrivée"), max_length=120, blank=True)
    mode = models.CharField(
        _("moyen de transport"), max_length=20, choices=Mode, blank=True
    )
    fiscal_horsepower = models.PositiveSmallIntegerField(
        _("puissance fiscale (CV)"), null=True, blank=True
    )
    kilometres = models.PositiveIntegerField(_("kilomètres"), null=True, blank=True)
    fare = models.DecimalField(
        _("prix du billet"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("trajet")
        verbose_name_plural = _("trajets")
        ordering = ["claim", "date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fare__isnull=True) | Q(fare__gte=0),
                name="trip_fare_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination}"


class Meal(TravelEntry):
    class Kind(models.TextChoices):
        LUNCH = "lunch", _("Déjeuner")
        DINNER = "dinner", _("Dîner")

    date = models.DateField(_("date"), null=True, blank=True)
    kind = models.CharField(_("repas"), max_length=10, choices=Kind, default=Kind.LUNCH)
    # Décret 2006-781, art. 7: the flat rate is halved where the participant
    # could eat in an administrative restaurant.
    administrative_restaurant = models.BooleanField(
        _("restaurant administratif ou assimilé disponible"), default=False
    )

    class Meta:
        verbose_name = _("repas")
        verbose_name_plural = _("repas")
        ordering = ["claim", "date", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date or ''}".strip()


class Night(TravelEntry):
    date = models.DateField(_("nuit du"), null=True, blank=True)
    zone = models.CharField(
        _("lieu"), max_length=12, choices=list(NIGHT_ZONES.items()), default="standard"
    )

    class Meta:
        verbose_name = _("nuitée")
        verbose_name_plural = _("nuitées")
        ordering = ["claim", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_zone_display()} {self.date or ''}".strip()
