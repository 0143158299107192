"""Send the weekly digests of claim news (run once a week by cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from claims.notifications import send_weekly_digests


class Command(BaseCommand):
    help = (
        "Envoie à chaque intervenant qui a choisi un récapitulatif hebdomadaire "
        "un seul courriel listant les étapes de ses états de frais depuis le "
        "précédent (montant et lien pour chacune), puis les efface (à lancer "
        "chaque semaine ; relancée, elle n'envoie rien deux fois, et plusieurs "
        "exécutions simultanées se partagent les intervenants)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = send_weekly_digests()
        self.stdout.write(
            f"{report.sent} récapitulatif(s) envoyé(s), {report.news} étape(s)"
            + (
                f" ; {report.without_email} intervenant(s) sans adresse "
                "électronique (étapes effacées)"
                if report.without_email
                else ""
            )
            + (
                f" ; {report.failed} récapitulatif(s) non rendu(s), gardé(s) "
                "pour la prochaine fois (voir le journal)"
                if report.failed
                else ""
            )
            + "."
        )
