"""Remind participants whose financial file is missing, or will have expired,
before their next mission."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from claims.file_reminders import send_financial_file_reminders


class Command(BaseCommand):
    help = (
        "Relance par courriel les intervenants dont le dossier financier manque "
        "ou aura expiré à la date de leur prochaine mission (à lancer chaque "
        "jour ; une relance par affectation, jamais deux)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = send_financial_file_reminders()
        self.stdout.write(
            f"{report.reminded} intervenant(s) relancé(s) pour leur dossier financier"
            + (
                f" ; {report.without_email} intervenant(s) sans adresse "
                "électronique, à prévenir autrement."
                if report.without_email
                else "."
            )
        )
