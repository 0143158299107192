"""Forms of the participant's claim entry. They validate and normalise only:
what to save, and when a step is complete, is decided by `claims.flow` and
`claims.services`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, Meal, Night, SupportingDocument, Trip

# Sane bounds: far above what one mission brings, low enough to catch a typo
# (an extra zero, a date typed in the wrong box).
MAX_COPIES = 2000
MAX_CANDIDATES = 500
MAX_HOURS = Decimal(200)
MAX_KILOMETRES = 5000
MAX_FARE = Decimal(100000)
QUARTER = Decimal("0.25")


def whole_number(label: str, maximum: int, help_text: str) -> forms.IntegerField:
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
    if value is not None and value % QUARTER:
        raise forms.ValidationError(
            _(
                "Les heures se déclarent au quart d'heure : par exemple 3, 3,25, "
                "3,5 ou 3,75."
            ),
            code="quarter",
        )


class LocalizedDecimalField(forms.DecimalField):
    """Accepts "3,5" as well as "3.5": a French keyboard types a comma."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace("\u202f", "")
            value = value.replace(",", ".")
        return super().to_python(value)


class ServiceForm(forms.Form):
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
        max_digits=6,
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
            "max_digits": _("%(limit_value)s heures au plus : vérifiez la saisie."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    schedule = forms.CharField(
        label=_("Horaires"),
        required=False,
        max_length=200,
        help_text=_("Par exemple : 8 h – 12 h et 13 h 30 – 17 h."),
    )

    def __init__(self, *args, fields: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]


class TripForm(forms.ModelForm):
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


class MealForm(forms.ModelForm):
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


class NightForm(forms.ModelForm):
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


TripFormSet = forms.inlineformset_factory(
    Claim, Trip, form=TripForm, extra=1, can_delete=True, max_num=30
)
MealFormSet = forms.inlineformset_factory(
    Claim, Meal, form=MealForm, extra=1, can_delete=True, max_num=60
)
NightFormSet = forms.inlineformset_factory(
    Claim, Night, form=NightForm, extra=1, can_delete=True, max_num=30
)


@dataclass(frozen=True)
class TravelPart:
    """One kind of travel entry on the travel step."""

    prefix: str  # of its fields in the posted form
    related: str  # the claim's related name, and the key `claim_entry_save` takes
    title: str
    entry: str  # how one row is called
    formset: type


TRAVEL_PARTS = (
    TravelPart("trajets", "trips", _("Trajets"), _("Trajet"), TripFormSet),
    TravelPart("repas", "meals", _("Repas"), _("Repas"), MealFormSet),
    TravelPart("nuitees", "nights", _("Nuitées"), _("Nuitée"), NightFormSet),
)


class NotPerformedForm(forms.Form):
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Par exemple : absent pour raison de santé, mission annulée sur place."
        ),
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Nature du justificatif"), choices=SupportingDocument.Kind.choices
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
