"""The jury work of a session and who does it: missions, the participants'
competences and availability, and their assignment (convocation)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from imagin.workflow import TransitionTable
from missions.models.reference import Centre, Epreuve, Exam, ExamSession, MissionType


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
    # Made on the assignment page (manual) or applied from an automatic
    # assignment's proposal (missions.auto_assignment), which may later
    # replace only its own, unlocked, not convoked assignments.
    origin = models.CharField(
        _("origine"),
        max_length=10,
        choices=[("manual", _("Manuelle")), ("automatic", _("Automatique"))],
        default="manual",
    )
    locked = models.BooleanField(
        _("verrouillée"),
        default=False,
        help_text=_(
            "Une affectation verrouillée est gardée par l'affectation automatique."
        ),
    )

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
