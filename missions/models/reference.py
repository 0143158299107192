"""The reference data of exams: sessions, exams, disciplines, épreuves, centres
and the types of mission — what a session is staffed and paid against."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from imagin.managers import NamedWithManager


class ExamSession(models.Model):
    """An exam session (e.g. session 2027), with its claim entry deadline."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    year = models.PositiveSmallIntegerField(_("année"))
    assignment_closes_on = models.DateField(
        _("fin des déclarations (compétences, disponibilités)"), null=True, blank=True
    )
    claim_deadline = models.DateField(_("date limite de saisie des états de frais"))

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def declarations_open(self) -> bool:
        """Participants may change competences and availability until the
        assignment closes (inclusive)."""
        return (
            self.assignment_closes_on is None
            or timezone.localdate() <= self.assignment_closes_on
        )


# Labels stay lazy: "Taux 1" in French, "Rate 1" in English.
COPY_RATE_LEVELS = [(str(n), format_lazy("{} {}", _("Taux"), n)) for n in range(1, 6)]
HOUR_RATE_LEVELS = [(str(n), format_lazy("{} {}", _("Taux"), n)) for n in range(1, 5)]


class Exam(models.Model):
    class Kind(models.TextChoices):
        DIPLOMA = "diploma", _("Examen (diplôme)")
        COMPETITION = "competition", _("Concours de recrutement")

    session = models.ForeignKey(
        ExamSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="exams",
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(
        _("nature"), max_length=12, choices=Kind, default=Kind.DIPLOMA
    )
    # The rate group of a diploma (arrêté du 13 avril 2012); a competition is
    # paid by the participant's corps category instead (arrêté du 7 mai 2012).
    copy_rate_level = models.CharField(
        _("taux de correction"),
        max_length=1,
        choices=COPY_RATE_LEVELS,
        blank=True,
        help_text=_("Diplômes : taux 1 à 5 de l'arrêté du 13 avril 2012 (bac : 5)."),
    )
    hour_rate_level = models.CharField(
        _("taux des oraux et pratiques"),
        max_length=1,
        choices=HOUR_RATE_LEVELS,
        blank=True,
        help_text=_("Diplômes : taux 1 à 4 de l'arrêté du 13 avril 2012 (bac : 3)."),
    )
    # A VAE application pays the oral hourly rate × this coefficient, set per
    # diploma (arrêté du 13 avril 2012, article 2).
    vae_coefficient = models.DecimalField(
        _("coefficient VAE"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(3)],
        help_text=_(
            "De 0,5 à 3 : un dossier de VAE est payé le taux des oraux × ce "
            "coefficient. Vide sans jury de VAE."
        ),
    )

    objects = NamedWithManager("session")

    class Meta:
        verbose_name = _("examen ou concours")
        verbose_name_plural = _("examens et concours")
        ordering = ["session", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "code"], name="exam_code_unique_in_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.session}"

    def clean(self) -> None:
        if self.kind == self.Kind.DIPLOMA and not (
            self.copy_rate_level and self.hour_rate_level
        ):
            raise ValidationError(
                _(
                    "Un diplôme a un taux de correction et un taux des oraux "
                    "(arrêté du 13 avril 2012)."
                )
            )


class Discipline(models.Model):
    """A subject taught (enseignement); épreuves and competences are grouped by it."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("nom"), max_length=200)

    class Meta:
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Epreuve(models.Model):
    """One test of an exam, written, oral or practical."""

    class Form(models.TextChoices):
        WRITTEN = "written", _("Écrit")
        ORAL = "oral", _("Oral")
        PRACTICAL = "practical", _("Pratique")

    exam = models.ForeignKey(
        Exam,
        verbose_name=_("examen"),
        on_delete=models.PROTECT,
        related_name="epreuves",
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("intitulé"), max_length=200)
    discipline = models.ForeignKey(
        Discipline,
        verbose_name=_("discipline"),
        on_delete=models.PROTECT,
        related_name="epreuves",
    )
    form = models.CharField(_("forme"), max_length=10, choices=Form)
    # Where an épreuve is paid differently from the rest of its exam.
    copy_rate_level = models.CharField(
        _("taux de correction propre"),
        max_length=1,
        choices=COPY_RATE_LEVELS,
        blank=True,
        help_text=_("Laisser vide pour appliquer le taux de l'examen."),
    )
    hour_rate_level = models.CharField(
        _("taux des oraux propre"),
        max_length=1,
        choices=HOUR_RATE_LEVELS,
        blank=True,
        help_text=_("Laisser vide pour appliquer le taux de l'examen."),
    )
    optional = models.BooleanField(
        _("épreuve facultative"),
        default=False,
        help_text=_(
            "Oraux facultatifs et épreuves ponctuelles : l'heure est payée 75 % du "
            "taux des oraux."
        ),
    )

    # Orals and practicals are paid by the hour: candidates × this time.
    minutes_per_candidate = models.PositiveSmallIntegerField(
        _("durée d'interrogation par candidat (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Heures payées = candidats × cette durée (grand oral : 20)."),
    )

    class Meta:
        verbose_name = _("épreuve")
        verbose_name_plural = _("épreuves")
        ordering = ["exam", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "code"], name="epreuve_code_unique_in_exam"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def effective_copy_rate_level(self) -> str:
        return self.copy_rate_level or self.exam.copy_rate_level

    @property
    def effective_hour_rate_level(self) -> str:
        return self.hour_rate_level or self.exam.hour_rate_level


class Centre(models.Model):
    """An exam centre; if it is an establishment, its own staff do not examine there."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    address = models.CharField(_("adresse"), max_length=250)
    commune = models.ForeignKey(
        "accounts.Commune", verbose_name=_("commune"), on_delete=models.PROTECT
    )
    establishment = models.ForeignKey(
        "accounts.Establishment",
        verbose_name=_("établissement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    objects = NamedWithManager("commune")

    class Meta:
        verbose_name = _("centre d'examen")
        verbose_name_plural = _("centres d'examen")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.commune.name})"


class MissionType(models.Model):
    """A kind of jury work; its payment basis decides what the participant declares."""

    class PaymentBasis(models.TextChoices):
        # Each says which rate of the exam's table pays it (claims.amounts).
        PER_COPY = "per_copy", _("À la copie (taux de correction)")
        PER_CANDIDATE = (
            "per_candidate",
            _("Au candidat : heures d'interrogation, ou dossier de concours"),
        )
        PER_HOUR = "per_hour", _("À l'heure (taux des oraux et pratiques)")
        PER_APPLICATION = (
            "per_application",
            _("Par dossier de VAE (taux des oraux × coefficient VAE)"),
        )
        FLAT = "flat", _("Forfait par mission (conception de sujet)")
        MANAGER_ENTERED = "manager_entered", _("Montant saisi par le gestionnaire")
        UNPAID = "unpaid", _("Non rémunéré (NR)")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    payment_basis = models.CharField(
        _("mode de rémunération"), max_length=20, choices=PaymentBasis
    )
    # Orals are paid by the hour, but the number of candidates examined is
    # declared too: the exam division checks one against the other.
    counts_candidates = models.BooleanField(
        _("nombre de candidats à déclarer"), default=False
    )
    travel_eligible = models.BooleanField(
        _("ouvre droit aux frais de déplacement"), default=True
    )
    instructions = models.TextField(
        _("à apporter et consignes"),
        blank=True,
        help_text=_("Imprimé sur la convocation, par exemple : « Stylo rouge »."),
    )

    class Meta:
        verbose_name = _("type de mission")
        verbose_name_plural = _("types de mission")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
