"""The automatic assignment of a session: what participants wish for it, a
run of the solver and its proposal, a diff against the assignments in place
(missions.auto_assignment)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from imagin.workflow import TransitionTable
from missions.models.reference import Centre, ExamSession
from missions.models.staffing import Assignment, Mission


class SessionWish(models.Model):
    """A participant's wishes for a session: how many missions at most, and
    the centres they would rather go to (a preference, never a rule)."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intervenant"),
        on_delete=models.CASCADE,
        related_name="session_wishes",
    )
    session = models.ForeignKey(
        ExamSession, verbose_name=_("session"), on_delete=models.CASCADE
    )
    max_missions = models.PositiveSmallIntegerField(
        _("nombre maximal de missions"), null=True, blank=True
    )
    preferred_centres = models.ManyToManyField(
        Centre, verbose_name=_("centres souhaités"), blank=True
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("souhaits pour la session")
        verbose_name_plural = _("souhaits pour la session")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "session"], name="session_wish_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.session}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Proposition prête")
    FAILED = "failed", _("Échec")
    APPLIED = "applied", _("Appliquée")
    DISCARDED = "discarded", _("Abandonnée")


# queued → running → done → applied | discarded; queued or running → failed.
AUTO_RUN_TRANSITIONS = TransitionTable(
    {
        RunStatus.QUEUED: {RunStatus.RUNNING, RunStatus.FAILED},
        RunStatus.RUNNING: {RunStatus.DONE, RunStatus.FAILED},
        RunStatus.DONE: {RunStatus.APPLIED, RunStatus.DISCARDED},
    }
)


class AssignmentRun(models.Model):
    """One run of the automatic assignment on a session (all its missions or
    a selection), its result and the proposal it made."""

    session = models.ForeignKey(
        ExamSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="assignment_runs",
    )
    # Empty: every mission of the session.
    missions = models.ManyToManyField(
        Mission, verbose_name=_("missions choisies"), blank=True, related_name="+"
    )
    weights = models.JSONField(_("poids de l'objectif"), default=dict)
    division_max = models.PositiveSmallIntegerField(
        _("maximum de missions par intervenant"), null=True, blank=True
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=RunStatus, default=RunStatus.QUEUED
    )
    progress = models.FloatField(_("avancement"), default=0.0)
    progress_note = models.CharField(_("étape"), max_length=200, blank=True)
    objective = models.FloatField(_("objectif"), null=True, blank=True)
    cost_parts = models.JSONField(_("parts du coût"), default=dict)
    bound = models.FloatField(_("borne"), null=True, blank=True)
    gap = models.FloatField(_("écart (%)"), null=True, blank=True)
    solver_status = models.CharField(_("statut du solveur"), max_length=100, blank=True)
    solver_seconds = models.FloatField(_("durée du calcul (s)"), null=True, blank=True)
    places_open = models.PositiveIntegerField(_("places restées libres"), default=0)
    # [{"mission": id, "places": n, "reason": "…"}]
    unstaffable = models.JSONField(_("missions non pourvues"), default=list)
    # What the apply did: {"applied": n, "skipped": n, "withdrawn": n}.
    summary = models.JSONField(_("bilan"), default=dict)
    error = models.TextField(_("erreur"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("appliquée par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    applied_at = models.DateTimeField(_("appliquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("affectation automatique")
        verbose_name_plural = _("affectations automatiques")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return _("Affectation automatique n° %(pk)s — %(session)s") % {
            "pk": self.pk,
            "session": self.session,
        }


class LineKind(models.TextChoices):
    ADDED = "added", _("Ajout")
    MOVED = "moved", _("Changement de mission")
    UNCHANGED = "unchanged", _("Inchangée")
    WITHDRAWN = "withdrawn", _("Retrait")


class ProposalLine(models.Model):
    """One line of a run's proposal: a participant on a mission (added, moved
    from another mission, unchanged), or an automatic assignment withdrawn."""

    run = models.ForeignKey(
        AssignmentRun,
        verbose_name=_("affectation automatique"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intervenant"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("nature"), max_length=10, choices=LineKind)
    # The automatic assignment this line replaces (moved) or withdraws.
    previous = models.ForeignKey(
        Assignment,
        verbose_name=_("affectation remplacée"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Facts behind the line (épreuve, load, cap, km, continuity, wish).
    reason = models.JSONField(_("motif"), default=dict)
    dropped = models.BooleanField(_("écartée"), default=False)
    applied = models.BooleanField(_("appliquée"), default=False)
    skipped_reason = models.TextField(_("motif du refus"), blank=True)

    class Meta:
        verbose_name = _("ligne de proposition")
        verbose_name_plural = _("lignes de proposition")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.participant} — {self.mission} ({self.get_kind_display()})"
