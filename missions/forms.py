"""Participant declarations: competences (épreuves) and availability (half-days)."""

from __future__ import annotations

from datetime import date
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from missions.models import Availability


class CompetencesForm(forms.Form):
    epreuves = forms.MultipleChoiceField(
        label=_("Épreuves que je peux évaluer"),
        help_text=_(
            "Cochez les épreuves de votre discipline pour lesquelles vous "
            "acceptez d'être convoqué(e). Cela ne vaut pas convocation."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, epreuves, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["epreuves"].choices = [(str(e.pk), str(e)) for e in epreuves]

    def epreuve_ids(self) -> set[int]:
        return {int(pk) for pk in self.cleaned_data["epreuves"]}


class AvailabilityForm(forms.Form):
    half_days = forms.MultipleChoiceField(
        label=_("Demi-journées où je suis disponible"),
        help_text=_(
            "Cochez chaque demi-journée (matin, après-midi) où vous pouvez être "
            "convoqué(e). Vous pouvez changer vos choix tant que les "
            "déclarations sont ouvertes."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, days: list[date], **kwargs):
        super().__init__(*args, **kwargs)
        self.half_day_choices = [
            (f"{day:%Y-%m-%d}:{half}", f"{day:%d/%m/%Y} {label}")
            for day in days
            for half, label in Availability.HalfDay.choices
        ]
        # This form's copy of `half_days` above (`fields` types each as Field).
        half_days = cast(forms.MultipleChoiceField, self.fields["half_days"])
        half_days.choices = self.half_day_choices

    @staticmethod
    def _half_days(values) -> set[tuple[date, str]]:
        """ "2027-06-15:am" -> (date(2027, 6, 15), "am")."""
        pairs = (value.split(":") for value in values)
        return {(date.fromisoformat(day), half) for day, half in pairs}

    def chosen(self) -> set[tuple[date, str]]:
        return self._half_days(self.cleaned_data["half_days"])

    def every_half_day(self) -> set[tuple[date, str]]:
        return self._half_days(value for value, _label in self.half_day_choices)
