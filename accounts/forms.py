"""Forms of the accounts app; allauth's behaviour is customised here and in adapters."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """Participant number (external participants) or username (staff), and password."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Identifiant")
        self.fields["login"].help_text = _(
            "Intervenant extérieur : votre numéro d'intervenant, imprimé sur votre "
            "convocation (par exemple E2027001)."
        )
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].label = _("Mot de passe")
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("connexion", _("Se connecter")))
