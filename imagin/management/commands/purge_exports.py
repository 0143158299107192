"""Remove the export files older than EXPORT_RETENTION_HOURS."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from imagin.export_retention import purge_exports


class Command(BaseCommand):
    help = (
        "Supprime du stockage privé les fichiers écrits pour un téléchargement "
        "(exports de listes, ZIP des attestations annuelles) plus anciens que "
        "EXPORT_RETENTION_HOURS (à lancer chaque jour ; relancer ne supprime "
        "rien de plus)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = purge_exports()
        self.stdout.write(
            f"{removed} fichier(s) d'export supprimé(s) "
            f"(plus anciens que {settings.EXPORT_RETENTION_HOURS} heures)."
        )
