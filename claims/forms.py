"""Forms of the participant's claim entry. They validate and normalise only:
what to save, and when a step is complete, is decided by `claims.flow` and
`claims.services`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.core.validators import (
    DecimalValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, Meal, Night, SupportingDocument, Trip
from imagin import text_forms as imagin_text_forms
from imagin.text import REPLACEMENT
from missions.models import MissionType

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Sane bounds: far above what one mission brings, low enough to catch a typo
# (an extra zero, a date typed in the wrong box).
MAX_COPIES = 2000
MAX_CANDIDATES = 500
MAX_HOURS = Decimal(200)
MAX_KILOMETRES = 5000
MAX_FARE = Decimal(100000)
QUARTER = Decimal("0.25")


def whole_number(
    label: StrOrPromise, maximum: int, help_text: StrOrPromise
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        help_text=help_text,
        error_messages={
            "invalid": _("Saisissez un nombre entier, sans virgule (par exemple 42)."),
            "min_value": _("Le nombre ne peut pas être négatif."),
            "max_value": _("%(limit_value)s au plus : vérifiez le nombre saisi."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
    )


def validate_quarter_hours(value: Decimal | None) -> None:
    if value is None:
        return
    try:
        quarters = value * 4
        whole = quarters == quarters.to_integral_value()
    except ArithmeticError:  # not a finite number of a sane size
        whole = False
    if not whole:
        raise forms.ValidationError(
            _(
                "Les heures se déclarent au quart d'heure : par exemple 3, 3,25, "
                "3,5 ou 3,75."
            ),
            code="quarter",
        )


# A number as people type it: digits, at most one comma or dot, a sign. No
# exponent ("1E-7"), no NaN or infinity, no second separator ("3,5,5").
DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
# Far longer than any amount or duration typed, short enough that no
# arithmetic on it can be slow or overflow.
DECIMAL_TEXT_LIMIT = 40
# Thousands separators a French keyboard or a copy-paste brings.
SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")


class LocalizedDecimalField(forms.DecimalField):
    """The one field for a decimal number typed by someone (hours, fares,
    amounts, corrected quantities).

    Accepts "3,5" as well as "3.5" (a French keyboard types a comma), spaces
    between thousands and digits of any script; refuses, with a message next
    to the field, everything else a browser may send (exponents, NaN, 1 MB
    of digits...). Its messages use only the parameters Django's validators
    give (`limit_value` for the bounds, `max` for the digits), and it reports
    one error at a time: the bounds first, then the digits, then the
    field's own rules (quarter hours), which therefore only see sane numbers.
    """

    default_error_messages = {
        "invalid": _("Saisissez un nombre, par exemple 3,5."),
        "min_value": _("%(limit_value)s au moins : vérifiez le nombre saisi."),
        "max_value": _("%(limit_value)s au plus : vérifiez le nombre saisi."),
        "max_digits": _(
            "Ce nombre a trop de chiffres (%(max)s au plus) : vérifiez la saisie."
        ),
        "max_decimal_places": _(
            "%(max)s chiffres après la virgule au plus : vérifiez la saisie."
        ),
        "max_whole_digits": _(
            "Ce nombre a trop de chiffres avant la virgule : vérifiez la saisie."
        ),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                )
            return value
        text = str(value)
        if len(text) > DECIMAL_TEXT_LIMIT * 4:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        text = text.strip().translate(SPACES).replace("\u2212", "-")
        # Digits of any script ("١٢", "１２") read as the digits they are.
        text = "".join(
            str(unicodedata.decimal(char)) if char.isdecimal() else char
            for char in text
        )
        if len(text) > DECIMAL_TEXT_LIMIT or not DECIMAL_TEXT.fullmatch(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return Decimal(text.replace(",", "."))

    def validate(self, value):
        forms.Field.validate(self, value)  # required; finiteness is to_python's

    def run_validators(self, value):
        if value in self.empty_values:
            return
        for validator in sorted(self.validators, key=_validator_order):
            try:
                validator(value)
            except forms.ValidationError as error:
                code = getattr(error, "code", None)
                if code in self.error_messages:
                    error.message = self.error_messages[code]
                raise


def _validator_order(validator) -> int:
    if isinstance(validator, (MinValueValidator, MaxValueValidator)):
        return 0
    return 1 if isinstance(validator, DecimalValidator) else 2


def validate_not_replaced(value) -> None:
    """Refuse the mark `imagin.text.printable` leaves where it removed a
    control character: a draft keeps "8 h\ufffd12 h" for "8 h\x0012 h", and
    must show it as still to correct, not accept it on the next save."""
    if isinstance(value, str) and REPLACEMENT in value:
        raise forms.ValidationError(
            _(
                "Ce champ contenait un caractère invisible non autorisé, remplacé "
                "par « %(mark)s » : retirez-le."
            ),
            code="control_characters",
            params={"mark": REPLACEMENT},
        )


class PrintableFormMixin(imagin_text_forms.PrintableFormMixin):
    """Text fields refuse control characters (imagin.text_forms) and, since a
    claim's draft keeps a removed one as "�", that mark too: the value shown
    again from a draft is still to correct."""

    def full_clean(self):
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and (
                validate_not_replaced not in field.validators
            ):
                field.validators = [*field.validators, validate_not_replaced]
        super().full_clean()


class ServiceForm(PrintableFormMixin, forms.Form):
    """The service done; only the fields of the mission's type are kept."""

    copies_declared = whole_number(
        _("Nombre de copies corrigées"),
        MAX_COPIES,
        _(
            "Les copies que vous avez effectivement corrigées et notées, y compris "
            "les copies blanches. Pré-rempli avec le nombre prévu."
        ),
    )
    candidates_declared = whole_number(
        _("Nombre de candidats interrogés"),
        MAX_CANDIDATES,
        _(
            "Les candidats que vous avez interrogés ou dont vous avez évalué le "
            "dossier ; les absents ne comptent pas."
        ),
    )
    hours_declared = LocalizedDecimalField(
        label=_("Nombre d'heures"),
        required=False,
        min_value=Decimal(0),
        max_value=MAX_HOURS,
        # No max_digits: the bound and the two decimals keep it within the
        # column, and "3,333333" is told about quarter hours, not digits.
        decimal_places=2,
        validators=[validate_quarter_hours],
        help_text=_(
            "Les heures de présence pour la mission, au quart d'heure (3,5 pour "
            "3 h 30). Les pauses déjeuner ne comptent pas."
        ),
        error_messages={
            "invalid": _("Saisissez un nombre d'heures, par exemple 3,5."),
            "min_value": _("Le nombre d'heures ne peut pas être négatif."),
            "max_value": _("%(limit_value)s heures au plus : vérifiez la saisie."),
            "max_decimal_places": _(
                "Les heures se déclarent au quart d'heure : par exemple 3,25."
            ),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    schedule = forms.CharField(
        label=_("Horaires"),
        required=False,
        max_length=200,
        help_text=_("Par exemple : 8 h – 12 h et 13 h 30 – 17 h."),
    )

    def __init__(self, *args, fields: tuple[str, ...], basis: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if basis == MissionType.PaymentBasis.PER_APPLICATION:
            # A VAE jury member counts applications, stored as candidates.
            candidates = self.fields.get("candidates_declared")
            if candidates is not None:
                candidates.label = _("Nombre de dossiers de VAE examinés")
                candidates.help_text = _(
                    "Les dossiers de validation des acquis de l'expérience que le "
                    "jury a examinés avec vous ; chacun est payé le même forfait."
                )


class TripForm(PrintableFormMixin, forms.ModelForm):
    fare = LocalizedDecimalField(
        label=_("Prix du billet"),
        required=False,
        min_value=Decimal(0),
        max_value=MAX_FARE,
        decimal_places=2,
        help_text=_("Transport en commun : le prix payé, aller ou retour."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    class Meta:
        model = Trip
        fields = [
            "date",
            "origin",
            "destination",
            "mode",
            "fiscal_horsepower",
            "kilometres",
            "fare",
        ]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "date": _("Un trajet par ligne : l'aller et le retour font deux lignes."),
            "mode": _(
                "Votre véhicule personnel si vous y êtes autorisé(e), sinon le "
                "transport en commun (sur justificatif)."
            ),
            "fiscal_horsepower": _(
                "Véhicule personnel : indiquée sur la carte grise (P.6)."
            ),
            "kilometres": _("Véhicule personnel : la distance de ce trajet."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kilometres"].validators.append(MaxValueValidator(MAX_KILOMETRES))
        self.fields["fiscal_horsepower"].validators += [
            MinValueValidator(1),
            MaxValueValidator(50),
        ]
        for field in self.fields.values():
            field.required = False


class MealForm(PrintableFormMixin, forms.ModelForm):
    class Meta:
        model = Meal
        fields = ["date", "kind", "administrative_restaurant"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "kind": _(
                "Un repas compte si vous étiez en mission, trajet compris, pendant "
                "toute la plage de 11 h à 14 h (déjeuner) ou de 18 h à 21 h (dîner)."
            ),
            "administrative_restaurant": _(
                "Cochez si un restaurant administratif ou une cantine était "
                "accessible : le repas est alors remboursé à demi-taux."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].required = False


class NightForm(PrintableFormMixin, forms.ModelForm):
    class Meta:
        model = Night
        fields = ["date", "zone"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "date": _("Le soir où vous avez dormi hors de chez vous pour la mission."),
            "zone": _("Où vous avez dormi : le taux en dépend."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].required = False


def _travel_lines(model, form, maximum: int):
    """A claim's lines of one kind; past `maximum` lines (a tampered count,
    or a hand-made post) the formset refuses rather than builds them."""
    return forms.inlineformset_factory(
        Claim,
        model,
        form=form,
        extra=1,
        can_delete=True,
        max_num=maximum,
        absolute_max=maximum,
        validate_max=True,
    )


TripFormSet = _travel_lines(Trip, TripForm, 30)
MealFormSet = _travel_lines(Meal, MealForm, 60)
NightFormSet = _travel_lines(Night, NightForm, 30)


@dataclass(frozen=True)
class TravelPart:
    """One kind of travel entry on the travel step."""

    prefix: str  # of its fields in the posted form
    related: str  # the claim's related name, and the key of TravelStep.rows
    title: StrOrPromise
    entry: StrOrPromise  # how one row is called
    formset: type[forms.BaseInlineFormSet]


TRAVEL_PARTS = (
    TravelPart("trajets", "trips", _("Trajets"), _("Trajet"), TripFormSet),
    TravelPart("repas", "meals", _("Repas"), _("Repas"), MealFormSet),
    TravelPart("nuitees", "nights", _("Nuitées"), _("Nuitée"), NightFormSet),
)


class NotPerformedForm(PrintableFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Par exemple : absent pour raison de santé, mission annulée sur place."
        ),
    )


class DocumentForm(PrintableFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Nature du justificatif"),
        choices=SupportingDocument.Kind.choices,
        error_messages={
            "invalid_choice": _("Choisissez la nature du justificatif dans la liste.")
        },
    )
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, PNG ou JPEG ; une photo lisible du document suffit."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
            }
        ),
    )
