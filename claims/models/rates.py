"""The regulation's rates as data: tables valid over a period, in a currency.

A table holds the rates of one regulation text for one kind of expense (jury
work for diplomas, for competitions, mileage, meals, nights), in one zone and
one currency, from `valid_from` to `valid_until` (inclusive; open-ended when
empty). Two tables of the same kind, zone and currency never overlap, so one
date always finds at most one table. Amounts are computed by `claims.amounts`
from plain snapshots of these tables (`claims.rate_book`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from claims.rate_book import rates_changed

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class RateKind(models.TextChoices):
    DIPLOMA_JURY = "diploma_jury", _("Jurys d'examens (diplômes)")
    COMPETITION_JURY = "competition_jury", _("Jurys de concours de recrutement")
    MILEAGE = "mileage", _("Indemnités kilométriques")
    MEAL = "meal", _("Repas")
    NIGHT = "night", _("Nuitées")


JURY_KINDS = frozenset({RateKind.DIPLOMA_JURY, RateKind.COMPETITION_JURY})


class RateZone(models.TextChoices):
    # Jury rates are national; travel rates depend on where the mission is.
    NATIONAL = "national", _("Toutes zones")
    MAINLAND = "mainland", _("Métropole et DOM")
    PACIFIC = "pacific", _("Nouvelle-Calédonie et Polynésie française")
    WALLIS = "wallis", _("Wallis-et-Futuna")


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro (€)")
    XPF = "XPF", _("Franc CFP (XPF)")


# Levels a jury rate depends on: the "taux" of the exam for diplomas (arrêté
# du 13 avril 2012), the participant's corps category for competitions
# (arrêté du 7 mai 2012).
DIPLOMA_COPY_LEVELS = ("1", "2", "3", "4", "5")
DIPLOMA_HOUR_LEVELS = ("1", "2", "3", "4")
CORPS_CATEGORIES = ("A1", "A2", "B", "C")
HORSEPOWER_CLASSES = {
    "cv5": _("5 CV et moins"),
    "cv6_7": _("6 et 7 CV"),
    "cv8": _("8 CV et plus"),
}
DISTANCE_BANDS = {
    "1": _("jusqu'à 2 000 km"),
    "2": _("de 2 001 à 10 000 km"),
    "3": _("au-delà de 10 000 km"),
}
NIGHT_ZONES = {
    "standard": _("taux de base"),
    "large_city": _("grandes villes et métropole du Grand Paris"),
    "paris": _("commune de Paris"),
}


def _percent(message: StrOrPromise, value: object) -> StrOrPromise:
    """`message % value`, formatted when shown: the label is built at import
    but read in the reader's language."""
    return lazy(lambda: str(message) % value, str)()


def _rate_keys() -> dict[str, list[tuple[str, StrOrPromise]]]:
    """Every key a table of each kind may hold, with its label."""
    diploma = [
        (f"copy:{n}", _percent(_("Correction, par copie — taux %s"), n))
        for n in DIPLOMA_COPY_LEVELS
    ]
    diploma += [
        (f"hour:{n}", _percent(_("Oral ou pratique, par heure — taux %s"), n))
        for n in DIPLOMA_HOUR_LEVELS
    ]
    diploma += [
        (f"paper:{n}", _percent(_("Conception de sujet, forfait — taux %s"), n))
        for n in DIPLOMA_COPY_LEVELS
    ]
    competition = []
    for category in CORPS_CATEGORIES:
        competition += [
            (
                f"copy:{category}",
                _percent(_("Correction, par copie ou dossier — %s"), category),
            ),
            (
                f"hour:{category}",
                _percent(_("Oral ou pratique, par heure — %s"), category),
            ),
            (
                f"paper:{category}",
                _percent(_("Conception d'un sujet d'écrit — %s"), category),
            ),
        ]
    mileage: list[tuple[str, StrOrPromise]] = [
        (f"{hp}:{band}", format_lazy("{}, {}", hp_label, band_label))
        for hp, hp_label in HORSEPOWER_CLASSES.items()
        for band, band_label in DISTANCE_BANDS.items()
    ]
    return {
        RateKind.DIPLOMA_JURY: diploma,
        RateKind.COMPETITION_JURY: competition,
        RateKind.MILEAGE: mileage,
        RateKind.MEAL: [("meal", _("Repas, taux plein"))],
        RateKind.NIGHT: [
            (key, _percent(_("Nuitée, %s"), label))
            for key, label in NIGHT_ZONES.items()
        ],
    }


RATE_KEYS = _rate_keys()
RATE_KEY_CHOICES = [pair for pairs in RATE_KEYS.values() for pair in pairs]


class RatesChangedQuerySet(models.QuerySet):
    """Bulk writes send no signal: they mark the rate book stale themselves
    (claims.rate_book, "One copy per process")."""

    def update(self, **kwargs):
        updated = super().update(**kwargs)
        rates_changed(using=self.db)
        return updated

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        rates_changed(using=self.db)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        updated = super().bulk_update(objs, fields, *args, **kwargs)
        rates_changed(using=self.db)
        return updated


class RateTableQuerySet(RatesChangedQuerySet):
    def overlapping(self, *, kind, zone, currency, valid_from, valid_until):
        """Tables of the same kind, zone and currency whose period meets this one."""
        overlap = Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from)
        if valid_until is not None:
            overlap &= Q(valid_from__lte=valid_until)
        return self.filter(kind=kind, zone=zone, currency=currency).filter(overlap)


class RateTable(models.Model):
    kind = models.CharField(_("nature"), max_length=20, choices=RateKind)
    zone = models.CharField(
        _("zone"), max_length=10, choices=RateZone, default=RateZone.NATIONAL
    )
    currency = models.CharField(
        _("devise"), max_length=3, choices=Currency, default=Currency.EUR
    )
    valid_from = models.DateField(_("en vigueur à partir du"))
    valid_until = models.DateField(
        _("en vigueur jusqu'au (inclus)"),
        null=True,
        blank=True,
        help_text=_("Laisser vide tant qu'aucun texte ne l'a remplacé."),
    )
    reference = models.CharField(
        _("texte de référence"),
        max_length=250,
        help_text=_("Par exemple : arrêté du 20 septembre 2023, article 1."),
    )

    objects = RateTableQuerySet.as_manager()

    class Meta:
        verbose_name = _("barème")
        verbose_name_plural = _("barèmes")
        ordering = ["kind", "zone", "currency", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="rate_table_period_not_reversed",
                violation_error_message=_(
                    "La fin de validité ne peut pas précéder son début."
                ),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=["EUR", "XPF"]),
                name="rate_table_currency_known",
            ),
        ]

    def __str__(self) -> str:
        kind, zone = self.get_kind_display(), self.get_zone_display()
        return f"{kind} — {zone} — {self.period_label}"

    @property
    def period_label(self) -> str:
        start = date_format(self.valid_from, "j F Y")
        if self.valid_until is None:
            return _("depuis le %(start)s") % {"start": start}
        return _("du %(start)s au %(end)s") % {
            "start": start,
            "end": date_format(self.valid_until, "j F Y"),
        }

    def clean(self) -> None:
        errors = {}
        if self.kind in JURY_KINDS and self.zone != RateZone.NATIONAL:
            errors["zone"] = _(
                "Les barèmes de jurys sont nationaux : choisir « Toutes zones »."
            )
        if self.kind and self.kind not in JURY_KINDS and self.zone == RateZone.NATIONAL:
            errors["zone"] = _(
                "Les frais de déplacement dépendent de la zone : choisir la "
                "métropole ou une collectivité du Pacifique."
            )
        if errors:
            raise ValidationError(errors)
        if self.valid_from is None or (
            self.valid_until is not None and self.valid_until < self.valid_from
        ):
            return  # the field errors or the period check constraint speak first
        clash = (
            RateTable.objects.overlapping(
                kind=self.kind,
                zone=self.zone,
                currency=self.currency,
                valid_from=self.valid_from,
                valid_until=self.valid_until,
            )
            .exclude(pk=self.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _(
                    "Cette période chevauche le barème « %(table)s » : un seul barème "
                    "de même nature, zone et devise peut être en vigueur à une date. "
                    "Terminez d'abord le barème en vigueur la veille du nouveau."
                )
                % {"table": clash}
            )


class Rate(models.Model):
    """One figure of a table, e.g. 'correction, per copy, taux 5: 5,00 €'."""

    table = models.ForeignKey(
        RateTable,
        verbose_name=_("barème"),
        on_delete=models.CASCADE,
        related_name="rates",
    )
    key = models.CharField(_("taux"), max_length=20, choices=RATE_KEY_CHOICES)
    amount = models.DecimalField(_("montant unitaire"), max_digits=12, decimal_places=4)

    objects = RatesChangedQuerySet.as_manager()

    class Meta:
        verbose_name = _("taux")
        verbose_name_plural = _("taux")
        ordering = ["table", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "key"], name="rate_once_per_table"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="rate_amount_not_negative",
                violation_error_message=_("Un taux ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(key)s : %(amount)s")) % {
            "key": self.get_key_display(),
            "amount": self.amount,
        }

    def clean(self) -> None:
        table = getattr(self, "table", None)
        if table is None or not table.kind:
            return
        allowed = {key for key, _label in RATE_KEYS[table.kind]}
        if self.key and self.key not in allowed:
            raise ValidationError(
                {
                    "key": _("Ce taux n'appartient pas à un barème « %(kind)s ».")
                    % {"kind": table.get_kind_display()}
                }
            )
