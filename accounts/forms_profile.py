"""Forms a participant fills in: profile, financial file, creation request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.emails import TAKEN_MESSAGE, email_taken, normalize
from accounts.models import Commune, Establishment, ExternalParticipantRequest, User
from accounts.validators import validate_bic, validate_iban, validate_nir
from imagin.text_forms import PrintableFormMixin
from imagin.uploads import UPLOAD_HELP, validate_document

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _helper(label: StrOrPromise) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.add_input(Submit("enregistrer", label))
    return helper


class DocumentField(forms.FileField):
    """A PDF, PNG or JPEG supporting document, checked by size and content."""

    widget = forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"})

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload and upload is not initial and hasattr(upload, "read"):
            validate_document(upload)
        return upload


class ProfileForm(PrintableFormMixin, forms.ModelForm):
    """The person's contact details. The e-mail address is not saved here: a
    new one is only asked for (`accounts.emails.email_change_request`) and
    takes effect once confirmed from the link sent to it."""

    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        help_text=_(
            "Si vous la changez, nous envoyons un lien à la nouvelle adresse : "
            "elle ne remplace l'actuelle qu'une fois ce lien ouvert, en étant "
            "connecté(e) à IMAG'IN."
        ),
    )
    field_order = [
        "email",
        "phone",
        "address",
        "commune",
        "establishment",
        "notification_frequency",
    ]

    class Meta:
        model = User
        fields = [
            "phone",
            "address",
            "commune",
            "establishment",
            "notification_frequency",
        ]
        # Two radios drawn as one fieldset, whose legend is the label.
        widgets = {"notification_frequency": forms.RadioSelect}
        labels = {"notification_frequency": _("Mes courriels")}
        help_texts = {
            "address": _(
                "Sur une ligne, avec le code postal et la commune : « 12 rue des "
                "Carmes, 76000 Rouen ». Sans adresse électronique, vos "
                "convocations vous sont envoyées par courrier à cette adresse."
            ),
            "commune": _(
                "Sert à savoir si vos déplacements vers un centre d'examen "
                "ouvrent droit à remboursement."
            ),
            "establishment": _(
                "L'établissement où vous exercez principalement, s'il y en a un."
            ),
            "notification_frequency": _(
                "Pour la validation, la mise en paiement et le paiement de vos "
                "états de frais. Les courriels de sécurité (mot de passe, "
                "coordonnées bancaires) et les demandes de correction vous sont "
                "toujours envoyés aussitôt."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("email", self.instance.email)
        # Both are foreign keys, which Django gives a ModelChoiceField; the
        # stubs only know the form's fields as Field.
        if settings.TRAVEL_ENABLED:
            commune = cast("forms.ModelChoiceField[Commune]", self.fields["commune"])
            commune.queryset = Commune.objects.order_by("name")
        else:
            # The home commune only reckons travel (missions/travel.py), which
            # this académie does not refund here: nothing to ask, nor to say.
            del self.fields["commune"]
        establishment = cast(
            "forms.ModelChoiceField[Establishment]", self.fields["establishment"]
        )
        establishment.queryset = Establishment.objects.order_by("name")
        # A form posted without it (an older page) keeps the choice made.
        self.fields["notification_frequency"].required = False
        self.helper = _helper(_("Enregistrer mes coordonnées"))

    def clean_notification_frequency(self) -> str:
        return (
            self.cleaned_data.get("notification_frequency")
            or self.instance.notification_frequency
        )

    def clean_email(self) -> str:
        email = normalize(self.cleaned_data["email"])
        if email_taken(email, user=self.instance):
            raise forms.ValidationError(TAKEN_MESSAGE, code="taken")
        return email


class BankDetailsMixin(PrintableFormMixin, forms.Form):
    holder = forms.CharField(
        label=_("Titulaire du compte"),
        max_length=140,
        help_text=_("Nom et prénom tels qu'ils figurent sur le RIB."),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        help_text=_(
            "Il figure sur votre RIB : 27 caractères pour un compte en France, "
            "commençant par FR."
        ),
    )
    bic = forms.CharField(
        label=_("BIC"),
        max_length=14,
        help_text=_("8 ou 11 caractères, par exemple AGRIFRPP."),
    )

    def clean_iban(self) -> str:
        return validate_iban(self.cleaned_data["iban"])

    def clean_bic(self) -> str:
        return validate_bic(self.cleaned_data["bic"])


class FinancialFileForm(BankDetailsMixin):
    nir = forms.CharField(
        label=_("Numéro de sécurité sociale"),
        max_length=21,
        required=False,
        help_text=_("15 caractères, clé comprise, comme sur votre carte Vitale."),
    )
    rib_document = DocumentField(
        label=_("RIB (relevé d'identité bancaire)"),
        required=False,
        help_text=UPLOAD_HELP,
    )

    def __init__(self, *args: Any, has_document: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not settings.FINANCIAL_FILE_REQUIRES_NIR:
            del self.fields["nir"]
        else:
            self.fields["nir"].required = True
        # The first file needs its RIB; later, a new one only if the account changes.
        self.fields["rib_document"].required = not has_document
        self.helper = _helper(_("Enregistrer mon dossier financier"))

    def clean_nir(self) -> str:
        return validate_nir(self.cleaned_data["nir"])


class ExternalParticipantRequestForm(BankDetailsMixin, forms.ModelForm):
    rib_document = DocumentField(
        label=_("RIB (relevé d'identité bancaire)"),
        help_text=UPLOAD_HELP,
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que ces informations soient utilisées par la division des "
            "examens et concours pour me convoquer et me rémunérer."
        )
    )

    class Meta:
        model = ExternalParticipantRequest
        fields = [
            "category",
            "last_name",
            "first_name",
            "birth_date",
            "email",
            "phone",
            "address",
            "postal_code",
            "commune_name",
            "employer",
            "disciplines_taught",
            "holder",
            "iban",
            "bic",
            "rib_document",
        ]
        widgets = {
            "category": forms.RadioSelect,
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "disciplines_taught": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "disciplines_taught": _(
                "Par exemple : mathématiques, comptabilité, anglais."
            ),
            "birth_date": _("Au format jj/mm/aaaa."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Envoyer ma demande"))
