"""Forms of the accounts app; allauth's behaviour is customised here and in adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Layout, Submit
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.passwords import password_chosen

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _relabel(form: forms.Form, **labels: StrOrPromise) -> None:
    """Give allauth's fields French labels; the DSFR labels fields, so no
    placeholder text competes with them (and screen readers skip it)."""
    for name, label in labels.items():
        form.fields[name].label = label
        form.fields[name].widget.attrs.pop("placeholder", None)


NEW_PASSWORD_LABELS = {
    "password1": _("Nouveau mot de passe"),
    "password2": _("Confirmation du nouveau mot de passe"),
}


def _helper(label: StrOrPromise) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.add_input(Submit("envoyer", label))
    return helper


class LoginForm(AllauthLoginForm):
    """Participant number (external participants) or username (staff), and password."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self, login=_("Identifiant"), password=_("Mot de passe"))
        self.fields["login"].help_text = _(
            "Intervenant extérieur : votre numéro d'intervenant, imprimé sur votre "
            "convocation (par exemple E2027001)."
        )
        # allauth puts "forgotten password" in the password's label, before
        # the input: Tab would reach it first. The DSFR puts the link after
        # the input (fr-password), hence after it in the Tab order too.
        password = self.fields["password"]
        password.help_text = ""
        password.widget.attrs.pop("aria-describedby", None)
        self.helper = _helper(_("Se connecter"))
        self.helper.layout = Layout(
            "login",
            "password",
            HTML(
                format_html(
                    '<p class="fr-mt-n2w fr-mb-3w"><a class="fr-link" href="{}">{}</a>'
                    "</p>",
                    reverse("account_reset_password"),
                    _("Mot de passe oublié ?"),
                )
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = getattr(self, "user", None)
        if user is not None:
            refusal = user.initial_password_refusal(timezone.now())
            if refusal:
                raise forms.ValidationError(refusal, code="initial_password_spent")
        return cleaned


def _differs_from_initial(user: Any, password: str) -> str:
    """The personal password replaces the initial one: not the same again."""
    if user is not None and user.must_change_password and user.check_password(password):
        raise forms.ValidationError(
            _(
                "Choisissez un mot de passe différent du mot de passe initial "
                "de votre convocation."
            ),
            code="initial_password_again",
        )
    return password


class ChangePasswordForm(AllauthChangePasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self, oldpassword=_("Mot de passe actuel"), **NEW_PASSWORD_LABELS)
        self.fields["oldpassword"].help_text = _(
            "À la première connexion : le mot de passe imprimé sur votre convocation."
        )
        self.helper = _helper(_("Enregistrer mon mot de passe"))

    def clean_password1(self) -> str:
        return _differs_from_initial(self.user, self.cleaned_data["password1"])

    def save(self) -> None:
        super().save()
        password_chosen(user=self.user)


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self, **NEW_PASSWORD_LABELS)
        self.helper = _helper(_("Enregistrer mon mot de passe"))

    def clean_password1(self) -> str:
        return _differs_from_initial(self.user, self.cleaned_data["password1"])

    def save(self) -> None:
        super().save()
        password_chosen(user=self.user)
