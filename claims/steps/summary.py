"""Récapitulatif et validation: the amounts, what is still missing, and the
button that submits the claim (to `claims:submit`, not to this step)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from claims import selectors
from claims.models import Claim
from claims.steps.base import Step, missing_on


class SummaryStep(Step):
    identifier = "recapitulatif"
    title = gettext_lazy("Récapitulatif et validation")
    saves = False

    def context(self, claim: Claim, steps: list[Step]) -> dict[str, Any]:
        return {
            "amounts": selectors.claim_amounts(claim),
            "problems": missing_on(claim, steps),
        }
