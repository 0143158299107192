"""Counts recorded upstream: the copies corrected and candidates examined as
the on-screen marking platform (or the exam's own application) recorded them,
imported by the exam division to compare with what participants declare.

One row per participant and épreuve, or per participant and mission (when the
platform knows IMAG'IN's mission ids). Re-importing the same key replaces the
row. A claim's recorded counts are the rows of its participant for its mission,
and those for its mission's épreuve (`claims.upstream.matching`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UpstreamCount(models.Model):
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intervenant"),
        on_delete=models.CASCADE,
        related_name="upstream_counts",
    )
    epreuve = models.ForeignKey(
        "missions.Epreuve",
        verbose_name=_("épreuve"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="upstream_counts",
    )
    mission = models.ForeignKey(
        "missions.Mission",
        verbose_name=_("mission"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="upstream_counts",
    )
    copies = models.PositiveIntegerField(_("copies"), null=True, blank=True)
    candidates = models.PositiveIntegerField(_("candidats"), null=True, blank=True)
    imported_at = models.DateTimeField(_("importé le"))
    source_file = models.CharField(_("fichier"), max_length=255, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("comptage de la plateforme")
        verbose_name_plural = _("comptages de la plateforme")
        ordering = ["participant__last_name", "participant__first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(epreuve__isnull=True, mission__isnull=False)
                | Q(epreuve__isnull=False, mission__isnull=True),
                name="upstream_count_epreuve_or_mission",
            ),
            models.CheckConstraint(
                condition=Q(copies__isnull=False) | Q(candidates__isnull=False),
                name="upstream_count_has_a_count",
            ),
            models.UniqueConstraint(
                fields=["participant", "epreuve"],
                condition=Q(mission__isnull=True),
                name="upstream_count_unique_per_epreuve",
            ),
            models.UniqueConstraint(
                fields=["participant", "mission"],
                condition=Q(epreuve__isnull=True),
                name="upstream_count_unique_per_mission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.mission or self.epreuve}"
