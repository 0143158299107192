"""Forms of the exam division's decisions on a claim (back-office). They
validate and normalise only; `claims.services.review` decides."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from claims.forms import (
    LocalizedDecimalField,
    MealForm,
    NightForm,
    PrintableFormMixin,
    ServiceForm,
    TripForm,
)
from claims.models import Claim
from claims.services.travel_review import TravelChange
from claims.travel_corrections import FIELDS, correction_words

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_MANAGER_AMOUNT = Decimal(100000)

VALIDATED_LABELS = {
    "copies_validated": _("Copies retenues"),
    "candidates_validated": _("Candidats retenus"),
    "hours_validated": _("Heures retenues"),
}


def _reason_field(
    label: StrOrPromise, required: bool = True, help_text: StrOrPromise = ""
) -> forms.Field:
    return forms.CharField(
        label=label,
        required=required,
        max_length=1000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": _("Le motif est obligatoire.")},
    )


class NoInputForm(PrintableFormMixin, forms.Form):
    """A decision that needs nothing typed (validate)."""


class ReasonForm(PrintableFormMixin, forms.Form):
    """A decision that needs a reason (send back, cancel, restore)."""

    reason = _reason_field(_("Motif"))

    def __init__(self, *args, label=None, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class CommentForm(PrintableFormMixin, forms.Form):
    """A decision with an optional comment (close a mission not performed)."""

    comment = _reason_field(_("Commentaire (facultatif)"), required=False)


class CorrectionForm(PrintableFormMixin, forms.Form):
    """The validated quantities of the mission's type, and the reason.

    Each quantity has the same bounds as the participant's declaration; left
    empty, the declared quantity is kept.
    """

    def __init__(self, *args, fields: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        for name in fields:
            field = copy.deepcopy(
                ServiceForm.base_fields[name.replace("_validated", "_declared")]
            )
            field.label = VALIDATED_LABELS[name]
            field.help_text = _(
                "Ce que la division retient pour le paiement ; laissez vide pour "
                "retenir la quantité déclarée."
            )
            self.fields[name] = field
        self.fields["reason"] = _reason_field(
            _("Motif de la correction"),
            help_text=_("Communiqué à l'intervenant dans l'historique de son état."),
        )

    def quantities(self) -> dict[str, object]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in VALIDATED_LABELS
        }


class _TravelRow:
    """A travel line's row of the division's correction: the participant's
    form for that kind of line (same bounds), and whether it is retained."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        retained = forms.BooleanField(
            label=_("Retenu"),
            required=False,
            help_text=_(
                "Décochez pour ne pas retenir la ligne : elle reste visible et "
                "ne compte plus."
            ),
        )
        for field in self.fields.values():
            field.help_text = ""  # they speak to the participant
        # First, then the values (a plain class declares no form field).
        self.fields = {"retained": retained, **self.fields}
        self.initial["retained"] = self.instance.retained

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("retained") and not cleaned.get("date"):
            self.add_error(
                "date", _("Indiquez la date, ou décochez « Retenu » pour l'écarter.")
            )
        return cleaned

    def _post_clean(self):
        """Nothing is written to the line here: the service checks the values
        and writes them (the line shown on the page stays as it is)."""


class TripRow(_TravelRow, TripForm):
    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("retained"):
            return cleaned
        mode = cleaned.get("mode")
        if not mode:
            self.add_error("mode", _("Choisissez le moyen de transport."))
        elif mode == "car":
            for name in ("fiscal_horsepower", "kilometres"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("À renseigner pour un véhicule personnel."))
        elif cleaned.get("fare") is None and "fare" not in self.errors:
            self.add_error("fare", _("Indiquez le prix du billet retenu."))
        return cleaned


class MealRow(_TravelRow, MealForm):
    pass


class NightRow(_TravelRow, NightForm):
    pass


ROWS = (
    ("trip", "trips", TripRow),
    ("meal", "meals", MealRow),
    ("night", "nights", NightRow),
)


@dataclass(frozen=True)
class TravelRowForm:
    kind: str  # "trip", "meal", "night"
    legend: str  # "Trajet 1 — 3 juin 2027, Rouen → Évreux"
    correction: str  # what the division already corrected, "" if nothing
    form: forms.ModelForm


class TravelCorrectionForm(PrintableFormMixin, forms.Form):
    """The division's correction of a claim's travel lines: one row per line
    as it is now (`rows`), and one reason for them all. Rows are named by
    their line's id: what is posted for a line the claim does not have is
    ignored, and nothing is created."""

    reason = _reason_field(
        _("Motif de la correction"),
        help_text=_(
            "Communiqué à l'intervenant avec chaque ligne corrigée, dans le "
            "décompte et l'historique de son état."
        ),
    )

    def __init__(self, *args, claim: Claim, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: list[TravelRowForm] = []
        for kind, related, row_form in ROWS:
            for number, line in enumerate(getattr(claim, related).all(), start=1):
                self.rows.append(
                    TravelRowForm(
                        kind,
                        _legend(kind, number, line),
                        correction_words(line, claim.currency),
                        row_form(
                            self.data if self.is_bound else None,
                            instance=line,
                            prefix=f"{self.prefix}-{kind}-{line.pk}",
                        ),
                    )
                )

    def full_clean(self):
        super().full_clean()
        # Every row is validated, so that each shows its errors.
        if self.is_bound and not all([row.form.is_valid() for row in self.rows]):
            self.add_error(None, _("Corrigez les lignes signalées ci-dessous."))

    def changes(self) -> list[TravelChange]:
        """What the valid rows retain, for `claim_correct_travel`."""
        return [
            TravelChange(
                kind=row.kind,
                pk=row.form.instance.pk,
                retained=row.form.cleaned_data["retained"],
                values={
                    name: row.form.cleaned_data.get(name)
                    for name in FIELDS[type(row.form.instance)]
                },
            )
            for row in self.rows
        ]


def _legend(kind: str, number: int, line) -> str:
    """ "Trajet 1 — 3 juin 2027, Rouen → Évreux", "Repas 2 — 3 juin 2027, Dîner"."""
    what = {"trip": _("Trajet"), "meal": _("Repas"), "night": _("Nuitée")}[kind]
    day = date_format(line.date, "j F Y") if line.date else _("sans date")
    if kind == "trip":
        detail = str(line)
    elif kind == "meal":
        detail = str(line.get_kind_display())
    else:
        detail = str(line.get_zone_display())
    return f"{what} {number} — {day}, {detail}"


class AmountForm(PrintableFormMixin, forms.Form):
    """The indemnity of a manager-entered mission (e.g. surveillance)."""

    amount = LocalizedDecimalField(
        label=_("Montant de l'indemnité"),
        min_value=Decimal(0),
        max_value=MAX_MANAGER_AMOUNT,
        # No max_digits: the bound and the two decimals keep it within the
        # column, and "48,205" is told about cents, not digits.
        decimal_places=2,
        help_text=_("Le montant à payer pour cette mission, par exemple 48,20."),
        error_messages={
            "required": _("Saisissez le montant."),
            "invalid": _("Saisissez un montant, par exemple 48,20."),
            "min_value": _("Le montant ne peut pas être négatif."),
            "max_value": _("%(limit_value)s au plus : vérifiez le montant."),
            "max_decimal_places": _("Deux décimales au plus (les centimes)."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
    )
    reason = _reason_field(_("Commentaire (facultatif)"), required=False)

    def __init__(self, *args, currency: str = "EUR", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if self.currency == "XPF" and amount != amount.to_integral_value():
            raise forms.ValidationError(
                _("Le franc CFP n'a pas de décimales : saisissez un nombre entier.")
            )
        return amount


class BulkReasonForm(ReasonForm):
    """One reason for a decision on many claims (the queue's actions), with the
    single decision's limits; optional where the single decision's is."""

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
