"""Re-encrypt the data at rest under the first key of FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from imagin.key_rotation import UndecryptableValues, rotate_field_keys

# How many undecryptable values the error names; the count is always complete.
LISTED = 20


class Command(BaseCommand):
    help = (
        "Rechiffre sous la première clé de FIELD_ENCRYPTION_KEYS toutes les "
        "données chiffrées (IBAN, NIR, courriels en attente d'envoi) encore sous "
        "une autre clé, en une seule transaction : à lancer après avoir placé "
        "une nouvelle clé en tête sur tous les processus, avant de retirer "
        "l'ancienne (docs/operations.md). Relancer ne rechiffre rien de plus."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Compte ce qui serait rechiffré, sans rien écrire.",
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        try:
            report = rotate_field_keys(dry_run=dry_run)
        except UndecryptableValues as error:
            undecryptable = error.report.undecryptable
            listed = "\n".join(
                f"  {label}, clé primaire {pk}" for label, pk in undecryptable[:LISTED]
            )
            more = len(undecryptable) - LISTED
            raise CommandError(
                f"{len(undecryptable)} valeur(s) ne s'ouvrent avec aucune clé de "
                "FIELD_ENCRYPTION_KEYS ; rien n'a été rechiffré. Remettez la clé "
                "qui les a chiffrées dans FIELD_ENCRYPTION_KEYS (après la "
                "nouvelle), puis relancez :\n"
                + listed
                + (f"\n  … et {more} autre(s)." if more > 0 else "")
            ) from error
        verb = "à rechiffrer" if dry_run else "rechiffrée(s)"
        for field in report.fields:
            self.stdout.write(
                f"{field.label} : {field.rotated} valeur(s) {verb}, "
                f"{field.already_current} déjà sous la première clé."
            )
        if dry_run:
            self.stdout.write(
                f"Simulation : {report.rotated} valeur(s) à rechiffrer, "
                "rien n'a été écrit."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{report.rotated} valeur(s) rechiffrée(s) sous la première clé."
                )
            )
