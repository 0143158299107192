"""`{% upstream_counts claim as recorded %}`: the counts the on-screen marking
platform recorded for a claim (`claims.upstream.recorded_for`), each beside
what the participant declared, for the back-office review page. One query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext as _

from claims.models import Claim
from claims.upstream import recorded_for

register = template.Library()


@dataclass(frozen=True)
class Compared:
    label: str  # what is counted, and on which épreuve or mission
    declared: int | None
    recorded: int
    source: str  # the file and date of the import

    @property
    def agrees(self) -> bool:
        return self.declared == self.recorded


@register.simple_tag
def upstream_counts(claim: Claim) -> list[Compared]:
    compared = []
    for count in recorded_for(claim):
        scope = (
            _("mission n° %d") % count.mission_id
            if count.mission_id
            else _("épreuve %s") % count.epreuve
        )
        for recorded, declared, what in (
            (count.copies, claim.copies_declared, _("Copies corrigées")),
            (count.candidates, claim.candidates_declared, _("Candidats interrogés")),
        ):
            if recorded is not None:
                compared.append(
                    Compared(
                        label=f"{what} ({scope})",
                        declared=declared,
                        recorded=recorded,
                        source=count.source_file,
                    )
                )
    return compared
