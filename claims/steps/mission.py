"""Mission effectuée: did the participant do the mission at all?"""

from __future__ import annotations

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import Claim
from claims.steps.base import Entry, Step


class MissionStep(Step):
    identifier = "mission"
    title = gettext_lazy("Mission effectuée")

    def missing(self, claim: Claim) -> list[str]:
        if self.is_confirmed(claim):  # "Oui, j'ai effectué la mission"
            return []
        return [_("Indiquez si vous avez effectué la mission.")]

    def read(self, claim: Claim, posted: QueryDict, *, continuing: bool) -> Entry:
        answer = posted.get("performed")
        if answer == "no":
            return Entry(elsewhere=reverse("claims:not_performed", args=[claim.pk]))
        if answer != "yes":
            return Entry(refusal=_("Indiquez si vous avez effectué la mission."))
        # The answer is the whole step: saved, it is done, whatever the button.
        return Entry(complete=True)
