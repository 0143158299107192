"""Exams and the jury work they need: sessions, épreuves, centres, missions,
competences, availability, and the assignment (convocation) of participants."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from imagin.managers import NamedWithManager
from imagin.workflow import TransitionTable
from missions.certificates import CentreHead, ServiceCertificate  # noqa: F401 (registered)


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


class Mission(models.Model):
    """One piece of jury work at a centre and time, for an exam (usually an épreuve)."""

    exam = models.ForeignKey(
        Exam,
        verbose_name=_("examen"),
        on_delete=models.PROTECT,
        related_name="missions",
    )
    epreuve = models.ForeignKey(
        Epreuve,
        verbose_name=_("épreuve"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="missions",
    )
    mission_type = models.ForeignKey(
        MissionType, verbose_name=_("type de mission"), on_delete=models.PROTECT
    )
    centre = models.ForeignKey(
        Centre,
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        related_name="missions",
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    planned_volume = models.PositiveIntegerField(
        _("volume prévu"),
        null=True,
        blank=True,
        help_text=_("Copies, candidats ou heures prévus, selon le type de mission."),
    )
    staffing_need = models.PositiveSmallIntegerField(
        _("nombre d'intervenants nécessaires"), default=1
    )

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="mission_ends_after_it_starts",
                violation_error_message=_("La fin doit être postérieure au début."),
            ),
            models.CheckConstraint(
                condition=Q(staffing_need__gte=1),
                name="mission_needs_at_least_one_person",
                violation_error_message=_(
                    "Une mission demande au moins un intervenant."
                ),
            ),
        ]

    def __str__(self) -> str:
        subject = self.epreuve.name if self.epreuve is not None else self.exam.name
        return f"{self.mission_type.name} — {subject} — {self.starts_at:%d/%m/%Y}"

    def clean(self) -> None:
        if (
            self.exam_id
            and self.epreuve is not None
            and self.epreuve.exam_id != self.exam_id
        ):
            raise ValidationError(
                {"epreuve": _("Cette épreuve n'appartient pas à l'examen choisi.")}
            )


class Competence(models.Model):
    """An épreuve a participant declares they can assess."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intervenant"),
        on_delete=models.CASCADE,
        related_name="competences",
    )
    epreuve = models.ForeignKey(
        Epreuve,
        verbose_name=_("épreuve"),
        on_delete=models.CASCADE,
        related_name="competences",
    )

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "epreuve"], name="competence_declared_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.epreuve}"


class Availability(models.Model):
    """A half-day a participant declares available during a session."""

    class HalfDay(models.TextChoices):
        MORNING = "am", _("Matin")
        AFTERNOON = "pm", _("Après-midi")

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intervenant"),
        on_delete=models.CASCADE,
        related_name="availabilities",
    )
    session = models.ForeignKey(
        ExamSession, verbose_name=_("session"), on_delete=models.CASCADE
    )
    date = models.DateField(_("date"))
    half_day = models.CharField(_("demi-journée"), max_length=2, choices=HalfDay)

    class Meta:
        verbose_name = _("disponibilité")
        verbose_name_plural = _("disponibilités")
        ordering = ["date", "half_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "date", "half_day"],
                name="availability_declared_once",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.participant} — {self.date:%d/%m/%Y} {self.get_half_day_display()}"
        )


class ConvocationStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Affecté, non convoqué")
    CONVOKED = "convoked", _("Convoqué")
    WITHDRAWN = "withdrawn", _("Désaffecté")


# Assigned people are convoked by an official run, which can be undone as a whole;
# a withdrawn assignment can be made again rather than duplicated.
CONVOCATION_TRANSITIONS = TransitionTable(
    {
        ConvocationStatus.ASSIGNED: {
            ConvocationStatus.CONVOKED,
            ConvocationStatus.WITHDRAWN,
        },
        ConvocationStatus.CONVOKED: {
            ConvocationStatus.ASSIGNED,
            ConvocationStatus.WITHDRAWN,
        },
        ConvocationStatus.WITHDRAWN: {ConvocationStatus.ASSIGNED},
    }
)


class Assignment(models.Model):
    """A participant assigned to a mission (affectation), convoked by a run."""

    mission = models.ForeignKey(
        Mission,
        verbose_name=_("mission"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intervenant"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=ConvocationStatus,
        default=ConvocationStatus.ASSIGNED,
    )
    # Set when the manager assigned despite a rule (competence, availability...).
    override_reason = models.TextField(_("motif de dérogation"), blank=True)
    convoked_at = models.DateTimeField(_("convoqué le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("affectation / convocation")
        verbose_name_plural = _("affectations / convocations")
        ordering = ["mission__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "participant"], name="assignment_once_per_mission"
            ),
            models.CheckConstraint(
                condition=~Q(status=ConvocationStatus.CONVOKED)
                | Q(convoked_at__isnull=False),
                name="convoked_assignment_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.mission}"
