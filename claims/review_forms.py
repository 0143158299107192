"""Forms of the exam division's decisions on a claim (back-office). They
validate and normalise only; `claims.services.review` decides."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from claims.forms import LocalizedDecimalField, PrintableFormMixin, ServiceForm

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
