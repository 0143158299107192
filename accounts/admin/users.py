"""Accounts in the back-office: external participants created, initial passwords
and links to choose one, rights given by a superuser only."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.emails import email_address_set_by_staff, mask_email
from accounts.http import AuthenticatedHttpRequest
from accounts.models import (
    User,
)
from accounts.passwords import (
    credentials_resend,
    initial_password_issue,
    password_reset_send,
)
from accounts.roles import ADMINISTRATOR, has_role
from accounts.security_events import acting_as
from accounts.services import (
    external_participant_create,
)
from imagin.admin_autocomplete import SafeAutocompleteMixin
from imagin.admin_export import ExportMixin
from imagin.text_forms import PrintableFormMixin

# Where a convocation is posted (accounts.postal): on one line, with its
# postal code and commune.
ADDRESS_HELP = _(
    "Sur une ligne, avec le code postal et la commune : « 12 rue des Carmes, "
    "76000 Rouen ». Sans adresse électronique, la convocation est envoyée "
    "par courrier à cette adresse."
)


class ExternalParticipantForm(PrintableFormMixin, forms.Form):
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    email = forms.EmailField(label=_("Adresse électronique"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    address = forms.CharField(
        label=_("Adresse postale"),
        max_length=250,
        required=False,
        help_text=ADDRESS_HELP,
    )


class AccountCreationForm(PrintableFormMixin, forms.ModelForm):
    """A new account has no password anyone in the back-office knows: its owner
    signs in through single sign-on, or chooses one from a link sent to them
    ("Envoyer un lien pour choisir un mot de passe")."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "address", "commune"]
        help_texts = {"address": ADDRESS_HELP}

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


def sign_in_state(user: User) -> str:
    """Whether the convocation's credentials reached their owner: "Connecté(e)
    le …" or "Jamais connecté(e)"."""
    if user.last_login is None:
        return str(_("Jamais connecté(e)"))
    return str(
        _("Connecté(e) le %(date)s")
        % {
            "date": date_format(
                timezone.localtime(user.last_login), "SHORT_DATETIME_FORMAT"
            )
        }
    )


class SignedInFilter(admin.SimpleListFilter):
    title = _("connexion")
    parameter_name = "connexion"

    def lookups(self, request, model_admin):
        return [("oui", _("Déjà connecté(e)")), ("non", _("Jamais connecté(e)"))]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(last_login__isnull=False)
        if self.value() == "non":
            return queryset.filter(last_login__isnull=True)
        return queryset


def _may_change_account(user, account) -> bool:
    if account.is_superuser:
        return user.is_superuser
    # groups.all(): read from the prefetch when a list is checked at once.
    if account.is_staff or account.groups.all():
        return has_role(user, ADMINISTRATOR)
    return True


@admin.register(User)
class UserAdmin(ExportMixin, SafeAutocompleteMixin, DjangoUserAdmin):
    list_display = [
        "username",
        "last_name",
        "first_name",
        "kind",
        "email",
        "signed_in",
        "is_active",
    ]
    list_filter = ["kind", SignedInFilter, "is_staff", "is_active", "groups"]
    search_fields = [
        "username",
        "participant_number",
        "first_name",
        "last_name",
        "email",
    ]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune", "establishment"]
    # The participants as a file (imagin.admin_export): how to reach them,
    # never their address or bank details.
    export_fields = [
        (_("Identifiant"), "username"),
        (_("Nom"), "last_name"),
        (_("Prénom"), "first_name"),
        (_("N° d'intervenant"), "participant_number"),
        (_("Type d'intervenant"), "get_kind_display"),
        (_("Adresse électronique"), "email"),
        (_("Téléphone"), "phone"),
        (_("Commune"), "commune"),
        (_("Établissement"), "establishment.name"),
        (_("Actif"), "is_active"),
        (_("Dernière connexion"), "last_login"),
    ]
    export_prefetch = ["establishment"]
    # No password on the pages: nobody in the back-office sets another
    # person's password (see `user_change_password`).
    fieldsets = [
        (None, {"fields": ["username", "signed_in", "password_state"]}),
        # django-stubs leaves UserAdmin.fieldsets as ModelAdmin's optional
        # one; Django's UserAdmin always sets it.
        *DjangoUserAdmin.fieldsets[1:],  # type: ignore[index]
        (
            _("Intervenant"),
            {
                "fields": [
                    "kind",
                    "participant_number",
                    "phone",
                    "address",
                    "commune",
                    "establishment",
                    "corps_category",
                    "load_limit",
                    "language",
                    "must_change_password",
                    "initial_password_expires_at",
                    "initial_password_used_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "signed_in",
        "password_state",
        "participant_number",
        "must_change_password",
        "initial_password_expires_at",
        "initial_password_used_at",
    ]
    add_form = AccountCreationForm
    add_form_template = None
    add_fieldsets = [
        (None, {"fields": ["username", "first_name", "last_name", "email"]}),
        (_("Adresse postale"), {"fields": ["address", "commune"]}),
    ]
    actions = ["send_password_reset", "issue_initial_password"]
    # Rights (roles, back-office access, superuser status, single permissions)
    # are a superuser's alone: an administrator who could give roles could give
    # themself the manager's and export the bank details. Every change of
    # rights is audited (accounts.security_events), whatever path it takes.
    RIGHTS = ("is_staff", "groups", "is_superuser", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.RIGHTS
        return fields

    @admin.display(description=_("connexion"), ordering="last_login")
    def signed_in(self, user: User) -> str:
        return sign_in_state(user)

    @admin.display(description=_("mot de passe"))
    def password_state(self, user: User) -> str:
        state = (
            _("Un mot de passe est défini.")
            if user.has_usable_password()
            else _("Aucun mot de passe : connexion par l'académie ou lien à envoyer.")
        )
        return format_html(
            "{}<br>{}",
            state,
            _(
                "Personne ne le choisit à la place de son titulaire : depuis la "
                "liste des utilisateurs, « Envoyer un lien pour choisir un mot de "
                "passe » (à son adresse), ou « Émettre un nouveau mot de passe "
                "initial » pour un intervenant extérieur ; depuis sa fiche, "
                "« Renvoyer les identifiants »."
            ),
        )

    def user_change_password(self, request: HttpRequest, id, form_url=""):
        """Nobody sets another person's password here, superusers included:
        they send a link to choose one, or issue an initial password."""
        raise PermissionDenied

    # Rights changed (or removed with an account) through these pages are
    # recorded as this person's, and refused at the model level if they are
    # not a superuser's to change.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with acting_as(request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with acting_as(request.user):
            return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        with acting_as(request.user):
            return super().changelist_view(request, extra_context)

    # The admin site calls its hooks for signed-in staff members only; the
    # stub declares them for any request, hence the ignore.
    def save_model(  # type: ignore[override]
        self, request: AuthenticatedHttpRequest, obj: User, form, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if "email" in form.changed_data:
            # Audited with its author, who is then not the one to send a link
            # to choose a password to it (`can_send_password_reset`).
            # Which addresses single sign-on may trust: see accounts/emails.py.
            email_address_set_by_staff(user=obj, email=obj.email, by=request.user)

    @admin.action(description=_("Envoyer un lien pour choisir un mot de passe"))
    def send_password_reset(self, request: AuthenticatedHttpRequest, queryset) -> None:
        for user in queryset.prefetch_related("groups"):
            if not self.has_change_permission(request, user):
                messages.error(
                    request,
                    _("%(user)s : compte non modifiable par vous.") % {"user": user},
                )
                continue
            try:
                password_reset_send(user=user, by=request.user)
            except PermissionDenied as refused:
                messages.error(
                    request,
                    _("%(user)s : %(reason)s") % {"user": user, "reason": refused},
                )
            else:
                messages.success(
                    request,
                    _(
                        "%(user)s : un lien pour choisir un mot de passe a été "
                        "envoyé à %(email)s."
                    )
                    % {"user": user, "email": mask_email(user.email)},
                )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # An account with rights (its e-mail, its password: Django's password
        # page asks this too) is changed by an administrator only, a
        # superuser's by a superuser only: otherwise it could be taken over.
        if obj is not None and not _may_change_account(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and not _may_change_account(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "intervenant-exterieur/",
                self.admin_site.admin_view(self.create_external_view),
                name="accounts_user_create_external",
            ),
            path(
                "<path:object_id>/identifiants/",
                self.admin_site.admin_view(self.credentials_view),
                name="accounts_user_credentials",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_http_methods(["GET", "POST"]))
    def credentials_view(
        self, request: AuthenticatedHttpRequest, object_id: str
    ) -> HttpResponse:
        """A new initial password for an external participant ("Renvoyer les
        identifiants"), e-mailed to them, or shown once here to be handed over
        when no address is known. GET asks for confirmation."""
        user = self.get_object(request, object_id)
        if user is None or not user.is_external:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        change_url = reverse("admin:accounts_user_change", args=[user.pk])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Renvoyer les identifiants"),
            "opts": self.model._meta,
            "original": user,
            "change_url": change_url,
        }
        if request.method == "POST":
            try:
                password = credentials_resend(user=user, by=request.user)
            except PermissionDenied as refused:
                messages.error(
                    request,
                    _("%(user)s : %(reason)s") % {"user": user, "reason": refused},
                )
                return redirect(change_url)
            if password is None:
                messages.success(
                    request,
                    _(
                        "%(user)s : un nouveau mot de passe initial a été envoyé "
                        "avec son identifiant à %(email)s."
                    )
                    % {"user": user, "email": mask_email(user.email)},
                )
                return redirect(change_url)
            context |= {
                "password": password,
                "expires_at": user.initial_password_expires_at,
                "login_url": settings.SITE_URL + reverse("account_login"),
            }
        return TemplateResponse(request, "admin/accounts/credentials.html", context)

    def create_external_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """Create an external participant: number and initial password shown once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ExternalParticipantForm(request.POST or None)
        issued = None
        if request.method == "POST" and form.is_valid():
            user = external_participant_create(by=request.user, **form.cleaned_data)
            # A new account: nothing to announce, no earlier password replaced.
            issued = (user, initial_password_issue(user=user, by=request.user))
            form = ExternalParticipantForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Créer un intervenant extérieur"),
            "form": form,
            "issued": issued,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/create_external.html", context)

    @admin.action(description=_("Émettre un nouveau mot de passe initial (externes)"))
    def issue_initial_password(
        self, request: AuthenticatedHttpRequest, queryset
    ) -> None:
        for user in queryset.filter(kind=User.Kind.EXTERNAL).prefetch_related("groups"):
            if not self.has_change_permission(request, user):
                messages.error(
                    request,
                    _("%(user)s : compte non modifiable par vous.") % {"user": user},
                )
                continue
            password = initial_password_issue(user=user, by=request.user, notify=True)
            messages.warning(
                request,
                _(
                    "%(number)s : mot de passe initial %(password)s (à imprimer sur "
                    "la convocation ; il ne sera plus affiché)."
                )
                % {"number": user.participant_number, "password": password},
            )
