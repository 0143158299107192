"""Convocation runs: a control print, or the official run that convokes.

A run covers the assignments not yet convoked in a scope (a session, maybe one
exam, maybe one centre). It works in the background (claims.runs) and keeps
its progress and result here for the manager to follow.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.storage import private_storage
from imagin.workflow import TransitionTable


def run_pdf_upload_to(run: ConvocationRun, filename: str) -> str:
    return f"convocation-runs/{run.pk}/{filename}"


class ConvocationRun(models.Model):
    class Kind(models.TextChoices):
        CONTROL = "control", _("Impression de contrôle")
        OFFICIAL = "official", _("Tirage officiel")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")
        CANCELLED = "cancelled", _("Annulé")

    kind = models.CharField(_("nature"), max_length=10, choices=Kind)
    session = models.ForeignKey(
        "missions.ExamSession", verbose_name=_("session"), on_delete=models.PROTECT
    )
    exam = models.ForeignKey(
        "missions.Exam",
        verbose_name=_("examen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Vide : tous les examens de la session."),
    )
    centre = models.ForeignKey(
        "missions.Centre",
        verbose_name=_("centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Vide : tous les centres."),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("lancé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    participants_total = models.PositiveIntegerField(_("intervenants"), default=0)
    participants_done = models.PositiveIntegerField(
        _("intervenants traités"), default=0
    )
    convoked = models.PositiveIntegerField(_("convocations émises"), default=0)
    emailed = models.PositiveIntegerField(_("envois par courriel"), default=0)
    # Participants without an e-mail address, to be sent the printed document.
    to_post = models.JSONField(_("à envoyer par courrier"), default=list, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    document = models.FileField(
        _("document PDF"),
        storage=private_storage,
        upload_to=run_pdf_upload_to,
        blank=True,
    )
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("tirage des convocations")
        verbose_name_plural = _("tirages des convocations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(kind="official"),
                name="only_official_runs_are_cancelled",
            )
        ]

    def __str__(self) -> str:
        return str(_("%(kind)s n° %(number)s — %(scope)s")) % {
            "kind": self.get_kind_display(),
            "number": self.pk,
            "scope": self.scope_label,
        }

    @property
    def scope_label(self) -> str:
        parts = [str(self.session)]
        if self.exam is not None:
            parts.append(self.exam.name)
        if self.centre is not None:
            parts.append(self.centre.name)
        return " — ".join(parts)

    @property
    def is_finished(self) -> bool:
        return self.status in (
            self.Status.DONE,
            self.Status.FAILED,
            self.Status.CANCELLED,
        )

    @property
    def progress_percent(self) -> int:
        if not self.participants_total:
            return 100 if self.is_finished else 0
        return round(100 * self.participants_done / self.participants_total)


S = ConvocationRun.Status
# One worker takes a queued run (claims.runs.run_execute), which ends done or
# failed; only an official run that ended can be cancelled (run_cancel checks
# the kind, and so does the only_official_runs_are_cancelled constraint).
CONVOCATION_RUN_TRANSITIONS = TransitionTable(
    {
        S.QUEUED: {S.RUNNING},
        S.RUNNING: {S.DONE, S.FAILED},
        S.DONE: {S.CANCELLED},
        S.FAILED: {S.CANCELLED},
        S.CANCELLED: set(),
    }
)
