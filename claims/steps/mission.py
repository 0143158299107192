"""Mission effectuée: did the participant do the mission at all?"""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy

from claims.models import Claim
from claims.steps.base import Entry, Step, StepPage

UNANSWERED = gettext_lazy("Indiquez si vous avez effectué la mission.")


class PerformedForm(forms.Form):
    """The step's one question. Its template draws the radios itself (each
    choice has a hint); the form carries the answer's error, so that it is
    told on the fieldset and in the page's error summary."""

    performed = forms.ChoiceField(
        # The summary's link: "Mission effectuée : Indiquez si…".
        label=gettext_lazy("Mission effectuée"),
        choices=[("yes", gettext_lazy("Oui")), ("no", gettext_lazy("Non"))],
        widget=forms.RadioSelect,
        error_messages={"required": UNANSWERED, "invalid_choice": UNANSWERED},
    )


class MissionStep(Step):
    identifier = "mission"
    title = gettext_lazy("Mission effectuée")

    def missing(self, claim: Claim) -> list[str]:
        if self.is_confirmed(claim):  # "Oui, j'ai effectué la mission"
            return []
        return [str(UNANSWERED)]

    def page(self, claim: Claim) -> StepPage:
        return StepPage(form=PerformedForm())

    def read(self, claim: Claim, posted: QueryDict, *, continuing: bool) -> Entry:
        answer = posted.get("performed")
        if answer == "no":
            return Entry(elsewhere=reverse("claims:not_performed", args=[claim.pk]))
        if answer != "yes":
            form = PerformedForm(posted)
            form.is_valid()
            return Entry(page=StepPage(form=form), refusal=str(UNANSWERED))
        # The answer is the whole step: saved, it is done, whatever the button.
        return Entry(complete=True)
