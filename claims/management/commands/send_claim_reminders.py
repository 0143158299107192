"""Remind participants of the claims they still have to complete."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from claims.reminders import send_claim_reminders


class Command(BaseCommand):
    help = (
        "Relance par courriel les intervenants dont des états de frais restent à "
        "compléter avant la date limite de leur session (à lancer chaque jour ; "
        "une relance par état de frais et par palier, jamais deux)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = send_claim_reminders()
        self.stdout.write(
            f"{report.claims} état(s) de frais rappelé(s) à "
            f"{report.participants} intervenant(s)"
            + (
                f" ; {report.without_email} intervenant(s) sans adresse "
                "électronique, à prévenir autrement."
                if report.without_email
                else "."
            )
        )
