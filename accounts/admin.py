"""Back-office for people and places, and the back-office site's own settings."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.emails import email_address_set_by_staff, mask_email
from accounts.models import (
    Commune,
    Establishment,
    ExternalParticipantRequest,
    FinancialFile,
    RequestStatus,
    User,
)
from accounts.passwords import initial_password_issue, password_reset_send
from accounts.roles import ADMINISTRATOR, has_role, is_back_office_user
from accounts.security_events import acting_as, download_recorded
from accounts.selectors import request_possible_duplicates
from accounts.services import (
    external_participant_create,
    external_request_approve,
    external_request_reject,
    financial_file_mark_checked,
)
from accounts.views import document_response
from imagin.admin import HistoryLinkMixin
from imagin.workflow import TransitionNotAllowed

admin.site.site_header = _("IMAG'IN — gestion des examens et concours")
admin.site.site_title = _("IMAG'IN — gestion")
admin.site.index_title = _("Back-office de la division des examens et concours")


def _back_office_permission(request: HttpRequest) -> bool:
    # Being staff is not enough: the back-office is for managers and administrators.
    return is_back_office_user(request.user)


admin.site.has_permission = _back_office_permission


class ExternalParticipantForm(forms.Form):
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    email = forms.EmailField(label=_("Adresse électronique"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus (envoyé au demandeur)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AccountCreationForm(forms.ModelForm):
    """A new account has no password anyone in the back-office knows: its owner
    signs in through single sign-on, or chooses one from a link sent to them
    ("Envoyer un lien pour choisir un mot de passe")."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


def _may_change_account(user, account) -> bool:
    if account.is_superuser:
        return user.is_superuser
    # groups.all(): read from the prefetch when a list is checked at once.
    if account.is_staff or account.groups.all():
        return has_role(user, ADMINISTRATOR)
    return True


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "last_name", "first_name", "kind", "email", "is_active"]
    list_filter = ["kind", "is_staff", "is_active", "groups"]
    search_fields = [
        "username",
        "participant_number",
        "first_name",
        "last_name",
        "email",
    ]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune", "establishment"]
    # No password on the pages: nobody in the back-office sets another
    # person's password (see `user_change_password`).
    fieldsets = [
        (None, {"fields": ["username", "password_state"]}),
        *DjangoUserAdmin.fieldsets[1:],
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
                "initial » pour un intervenant extérieur."
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

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "email" in form.changed_data:
            # Audited with its author, who is then not the one to send a link
            # to choose a password to it (`can_send_password_reset`).
            # Which addresses single sign-on may trust: see accounts/emails.py.
            email_address_set_by_staff(user=obj, email=obj.email, by=request.user)

    @admin.action(description=_("Envoyer un lien pour choisir un mot de passe"))
    def send_password_reset(self, request: HttpRequest, queryset) -> None:
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
            *super().get_urls(),
        ]

    def create_external_view(self, request: HttpRequest) -> HttpResponse:
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
    def issue_initial_password(self, request: HttpRequest, queryset) -> None:
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


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "postal_code", "insee_code"]
    search_fields = ["name", "postal_code", "insee_code"]
    filter_horizontal = ["neighbours"]


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["name", "uai", "commune"]
    search_fields = ["name", "uai"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]


@admin.register(FinancialFile)
class FinancialFileAdmin(HistoryLinkMixin, admin.ModelAdmin):
    list_display = ["user", "holder", "masked_iban", "bic", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["user__last_name", "user__username", "holder"]
    list_select_related = ["user"]
    fields = [
        "user",
        "holder",
        "masked_iban",
        "bic",
        "masked_nir",
        "rib_link",
        "status",
        "updated_at",
        "details_changed_by",
        "checked_at",
        "history",
    ]
    readonly_fields = fields
    actions = ["mark_checked"]

    @admin.display(description=_("IBAN"))
    def masked_iban(self, file: FinancialFile) -> str:
        return file.masked_iban

    @admin.display(description=_("numéro de sécurité sociale"))
    def masked_nir(self, file: FinancialFile) -> str:
        return file.masked_nir or "—"

    @admin.display(description=_("RIB"))
    def rib_link(self, file: FinancialFile) -> str:
        if not file.rib_document:
            return "—"
        url = reverse("admin:accounts_financialfile_rib", args=[file.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger le RIB"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/rib/",
                self.admin_site.admin_view(self.rib_view),
                name="accounts_financialfile_rib",
            ),
            *super().get_urls(),
        ]

    def rib_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        file = get_object_or_404(FinancialFile, pk=pk)
        if not file.rib_document:
            raise PermissionDenied
        download_recorded(
            by=request.user,
            target=file,
            action="accounts.financial_file.rib_downloaded",
            data={"participant": file.user_id},
        )
        return document_response(file.rib_document, download_name=f"rib-{file.user_id}")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # participants enter their own bank details

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Marquer comme vérifié"))
    def mark_checked(self, request: HttpRequest, queryset) -> None:
        for file in queryset.select_related("user"):
            try:
                financial_file_mark_checked(file=file, by=request.user)
            except (PermissionDenied, TransitionNotAllowed) as error:
                messages.error(
                    request,
                    _("%(user)s : %(reason)s")
                    % {"user": file.user, "reason": error or _("refusé")},
                )
            else:
                messages.success(
                    request, _("%(user)s : dossier vérifié.") % {"user": file.user}
                )


@admin.register(ExternalParticipantRequest)
class ExternalParticipantRequestAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "category",
        "email",
        "status",
        "created_at",
    ]
    list_filter = ["status", "category"]
    search_fields = ["last_name", "first_name", "email"]
    readonly_fields = [
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
        "masked_iban",
        "bic",
        "rib_link",
        "status",
        "rejection_reason",
        "participant",
        "created_at",
        "decided_at",
        "duplicates",
    ]
    fields = readonly_fields
    change_form_template = "admin/accounts/request_change_form.html"

    @admin.display(description=_("IBAN"))
    def masked_iban(self, obj: ExternalParticipantRequest) -> str:
        return obj.masked_iban

    @admin.display(description=_("RIB"))
    def rib_link(self, obj: ExternalParticipantRequest) -> str:
        # Checked before accepting: the bank details come from this document.
        if not obj.rib_document:
            return "—"
        url = reverse("admin:accounts_request_rib", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger le RIB"))

    @admin.display(description=_("Doublons possibles"))
    def duplicates(self, obj: ExternalParticipantRequest) -> str:
        people = list(request_possible_duplicates(obj))
        if not people:
            return _("Aucun intervenant connu avec ce nom ou cette adresse.")
        return format_html(
            "<strong>{}</strong> {}",
            _("Attention :"),
            ", ".join(f"{person} <{person.email}>" for person in people),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/accepter/",
                self.admin_site.admin_view(self.approve_view),
                name="accounts_request_approve",
            ),
            path(
                "<int:pk>/refuser/",
                self.admin_site.admin_view(self.reject_view),
                name="accounts_request_reject",
            ),
            path(
                "<int:pk>/rib/",
                self.admin_site.admin_view(self.rib_view),
                name="accounts_request_rib",
            ),
            *super().get_urls(),
        ]

    def rib_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(ExternalParticipantRequest, pk=pk)
        if not obj.rib_document:
            raise PermissionDenied
        download_recorded(
            by=request.user, target=obj, action="accounts.request.rib_downloaded"
        )
        return document_response(obj.rib_document, download_name=f"rib-demande-{pk}")

    def _pending(self, request: HttpRequest, pk: int) -> ExternalParticipantRequest:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(ExternalParticipantRequest, pk=pk)

    def approve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return redirect("admin:accounts_externalparticipantrequest_change", pk)
        obj = self._pending(request, pk)
        try:
            user = external_request_approve(request=obj, by=request.user)
        except (ValidationError, TransitionNotAllowed) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                _(
                    "Intervenant %(number)s créé ; un courriel lui permet de choisir "
                    "son mot de passe."
                )
                % {"number": user.participant_number},
            )
        return redirect("admin:accounts_externalparticipantrequest_change", pk)

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self._pending(request, pk)
        form = RejectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                external_request_reject(
                    request=obj, by=request.user, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, TransitionNotAllowed) as error:
                messages.error(
                    request, " ".join(getattr(error, "messages", [str(error)]))
                )
            else:
                messages.success(request, _("Demande refusée ; le motif a été envoyé."))
            return redirect("admin:accounts_externalparticipantrequest_change", pk)
        return TemplateResponse(
            request,
            "admin/accounts/request_reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Refuser la demande"),
                "form": form,
                "original": obj,
                "opts": self.model._meta,
                "pending": obj.status == RequestStatus.PENDING,
            },
        )
