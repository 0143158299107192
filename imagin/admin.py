"""The audit log in the back-office: readable, never writable; and what every
back-office list shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.db.models import Q
from django.db.models.fields import AutoFieldMixin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from imagin import audit_sentences
from imagin.admin_export import ExportMixin
from imagin.audit import AuditEvent
from imagin.audit_actions import ACTIONS
from imagin.http import read_only
from imagin.text_forms import PrintableFormMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # What the mixins below are mixed into, for the checker; at run time they
    # stay plain mixins, put before the ModelAdmin class.
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


class SafeDateHierarchyMixin(_ModelAdmin):
    """Django's date drill-down fails (500) on a year such as 9999 typed in the
    address bar; such a request gets the admin's "bad filter" answer instead."""

    LIMITS = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}

    def changelist_view(self, request: HttpRequest, extra_context=None):
        field = getattr(self, "date_hierarchy", None)
        if field:
            for part, (low, high) in self.LIMITS.items():
                value = request.GET.get(f"{field}__{part}")
                if value is None:
                    continue
                if not (value.isascii() and value.isdigit()) or not (
                    low <= int(value) <= high
                ):
                    return HttpResponseRedirect(f"{request.path}?e=1")
        return super().changelist_view(request, extra_context)


def audit_history_url(obj: models.Model) -> str:
    """The audit log of the back-office, filtered on one object's events."""
    content_type = ContentType.objects.get_for_model(obj)
    return (
        reverse("admin:imagin_auditevent_changelist")
        + f"?target_type__id__exact={content_type.pk}&target_id={obj.pk}"
    )


class ActorFilter(admin.SimpleListFilter):
    """Events by a person, typed in (a name or an identifier): a list of every
    participant who ever saved a claim would be unusable."""

    title = _("auteur")
    parameter_name = "auteur"
    template = "admin/imagin/text_filter.html"

    def lookups(self, request, model_admin):
        # Django shows a filter only when it has choices: one, never listed.
        return [("", "")]

    def choices(self, changelist):
        # One "choice": the other filters in force, kept as hidden fields.
        yield {
            "params": [
                (key, value)
                for key, values in changelist.filter_params.items()
                if key != self.parameter_name
                for value in values
            ],
            "clear": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(actor_label__icontains=value) | Q(actor__username__iexact=value)
        )


class PersonFilter(ActorFilter):
    """Events of a person, typed in: those they made and those about them
    (their account, claims, assignments, bank details)."""

    title = _("personne (auteur ou concernée)")
    parameter_name = "personne"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        words = Q()
        for word in value.split()[:MAX_SEARCH_WORDS]:
            words &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        people = (
            get_user_model()
            .objects.filter(Q(username__iexact=value) | words)
            .values("pk")
        )
        about = Q()
        for key, path in audit_sentences.PERSON_PATHS.items():
            model = apps.get_model(key)
            ids = model._default_manager.filter(
                **{f"{path}__in" if path else "pk__in": people}
            ).values("pk")
            about |= Q(
                target_type=ContentType.objects.get_for_model(model),
                target_id__in=ids,
            )
        return queryset.filter(
            Q(actor_label__icontains=value) | Q(actor__in=people) | about
        )


class ClaimFilter(admin.SimpleListFilter):
    """The events of one claim, by its number (« 12 » or « n° 12 »)."""

    title = _("état de frais")
    parameter_name = "etat_de_frais"
    template = "admin/imagin/text_filter.html"
    lookups = ActorFilter.lookups
    choices = ActorFilter.choices

    def queryset(self, request, queryset):
        value = (self.value() or "").strip().removeprefix("n°").strip()
        if not value:
            return queryset
        if not (value.isascii() and value.isdigit() and len(value) < 19):
            return queryset.none()
        claim_type = ContentType.objects.get_by_natural_key("claims", "claim")
        return queryset.filter(target_type=claim_type, target_id=int(value))


class ActionFilter(admin.SimpleListFilter):
    """The events of one kind, listed by their label, never by their code."""

    title = _("opération")
    parameter_name = "operation"

    def lookups(self, request, model_admin):
        return sorted(
            ((code, str(entry.label)) for code, entry in ACTIONS.items()),
            key=lambda choice: choice[1],
        )

    def queryset(self, request, queryset):
        if self.value() not in ACTIONS:
            return queryset
        return queryset.filter(action=self.value())


# The security events, as the log's filter groups them: (label, condition).
SECURITY_CATEGORIES = {
    "connexions": (
        _("Connexions et déconnexions"),
        Q(action__startswith="accounts.sign_in.") | Q(action="accounts.sign_out"),
    ),
    "echecs": (_("Connexions refusées"), Q(action="accounts.sign_in.failed")),
    "mots-de-passe": (
        _("Mots de passe"),
        Q(action__startswith="accounts.password.")
        | Q(action__startswith="accounts.participant.initial_password_")
        | Q(action="accounts.participant.password_chosen"),
    ),
    "droits": (_("Rôles et droits"), Q(action__startswith="accounts.role.")),
    "adresses": (
        _("Adresses électroniques"),
        Q(action__startswith="accounts.email."),
    ),
    "coordonnees-bancaires": (
        _("Coordonnées bancaires"),
        Q(action__startswith="accounts.financial_file."),
    ),
    "telechargements": (
        _("Téléchargements et exports"),
        Q(action__endswith="_downloaded") | Q(action="claims.payment_batch.exported"),
    ),
}

# The short label of each action (the log's filter, its export).
ACTION_LABELS = {code: entry.label for code, entry in ACTIONS.items()}


class SecurityEventFilter(admin.SimpleListFilter):
    """The security events by kind: sign-ins, passwords, rights, downloads."""

    title = _("événements de sécurité")
    parameter_name = "securite"

    def lookups(self, request, model_admin):
        return [
            (key, label) for key, (label, _condition) in SECURITY_CATEGORIES.items()
        ]

    def queryset(self, request, queryset):
        category = SECURITY_CATEGORIES.get(self.value() or "")
        if category is None:
            return queryset
        return queryset.filter(category[1])


class HistoryLinkMixin:
    """A read-only "Historique" field on an object's page: its latest events
    in sentences, and a link to all of them in the audit log. Add "history" to
    the admin's fields and readonly_fields."""

    HISTORY_SHOWN = 5

    @admin.display(description=_("historique"))
    def history(self, obj: models.Model) -> str:
        if obj is None or obj.pk is None:
            return "—"
        events = list(
            AuditEvent.objects.for_object(obj).order_by("-created_at", "-pk")[
                : self.HISTORY_SHOWN
            ]
        )
        lines = format_html_join(
            "",
            "<li>{} — {}</li>",
            (
                (date_format(localtime(event.created_at), "j F Y H:i"), text)
                for event, text in zip(
                    events,
                    (audit_sentences.sentence(event, obj) for event in events),
                    strict=True,
                )
            ),
        )
        link = format_html(
            '<a href="{}">{}</a>',
            audit_history_url(obj),
            _("Voir son historique dans le journal d'audit"),
        )
        if not events:
            return link
        return format_html("<ul>{}</ul>{}", lines, link)


@admin.register(AuditEvent)
class AuditEventAdmin(ExportMixin, SafeDateHierarchyMixin, admin.ModelAdmin):
    """The audit log, read-only for everyone, superusers included: no add,
    change or delete permission, and the model refuses it anyway."""

    list_display = ["created_at", "event_sentence", "target"]
    list_filter = [
        ActorFilter,
        PersonFilter,
        ClaimFilter,
        ActionFilter,
        SecurityEventFilter,
        "target_type",
        "created_at",
    ]
    search_fields = ["actor_label", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["target_type"]
    # The log as a file (imagin.admin_export): its sentences, not its raw data.
    export_fields = [
        (_("date"), "created_at"),
        (_("auteur"), "actor_label"),
        (_("action"), "action"),
        (_("événement"), "event_sentence"),
        (_("type d'objet"), "target_type.name"),
        (_("n° d'objet"), "target_id"),
    ]
    readonly_fields = [
        "created_at",
        "event_sentence",
        "actor_label",
        "actor",
        "action",
        "target_type",
        "target_id",
        "from_status",
        "to_status",
        "data",
    ]

    def get_queryset(self, request: HttpRequest):
        # The names the sentences give, read with the events (fixed queries).
        return audit_sentences.with_names(super().get_queryset(request))

    @admin.display(description=_("événement"))
    def event_sentence(self, event: AuditEvent) -> str:
        return audit_sentences.sentence(event)

    @admin.display(description=_("objet"))
    def target(self, event: AuditEvent) -> StrOrPromise:
        """The object, linked to its back-office page when it has one."""
        content_type = event.target_type
        if event.target_id == 0:
            # A sign-in attempt with an identifier no account has.
            return _("compte inconnu")
        label = f"{content_type.name} n° {event.target_id}"
        try:
            url = reverse(
                f"admin:{content_type.app_label}_{content_type.model}_change",
                args=[event.target_id],
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("détails"))
    def details(self, event: AuditEvent) -> str:
        data = event.data or {}
        text = data.get("reason") or data.get("comment") or data.get("note") or ""
        if not text and data.get("role"):
            text = _("%(role)s — %(to)s") % {"role": data["role"], "to": data.get("to")}
        if not text and "identifier" in data:
            text = _("identifiant saisi : %(identifier)s") % {
                "identifier": data["identifier"]
            }
        return str(text)[:120]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def selection_as_keys(request: HttpRequest, model: type[models.Model]) -> None:
    """Keep, of the ids posted with a bulk action, only those that can be a
    key of `model`.

    Django's admin filters on the posted ids as they come: a word, a blank or
    an integer past the database's range in a hand-made request answers 500
    (PostgreSQL refuses to compare). Dropping them makes such a request "no
    item selected", the admin's own answer to an empty selection.
    """
    posted = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
    keys = [value for value in posted if is_key(model._meta.pk, value)]
    if keys != posted:
        data = request.POST.copy()
        data.setlist(helpers.ACTION_CHECKBOX_NAME, keys)
        request.POST = read_only(data)


def is_key(field: models.Field, value: str) -> bool:
    """Whether `value`, as a browser posted it, can be a key of `field`."""
    # The admin's checkboxes post `str(pk)`: anything else ("01", " 1", "١",
    # which int() reads as 1) was typed by hand.
    try:
        key = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    if key is None or str(key) != value:
        return False
    if isinstance(key, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if isinstance(field, AutoFieldMixin):
            low = 1  # the database numbers rows from 1
        return (low is None or key >= low) and (high is None or key <= high)
    return True


def _response_action_on_keys(response_action):
    def checked(self, request, queryset):
        selection_as_keys(request, self.model)
        return response_action(self, request, queryset)

    return checked


def _changelist_refusing_unavailable_actions(changelist_view):
    def refusing(self, request, extra_context=None):
        name = request.POST.get("action") if request.method == "POST" else None
        if name and name not in self.get_actions(request):
            # Django's own answer is the list again with "no action selected":
            # an action the admin declares but this person may not use (or
            # one that does not exist) is a forged post, refused as such.
            # `_get_base_actions` is Django's list of every declared action.
            declared = {action[1] for action in self._get_base_actions()}
            if name in declared:
                raise PermissionDenied
        return changelist_view(self, request, extra_context)

    return refusing


# Words of a back-office search that are looked for: each adds a condition on
# every searched column, and a thousand of them (a pasted page) overflowed
# SQLite's expression limit (a 500) and took seconds on PostgreSQL.
MAX_SEARCH_WORDS = 10


def _search_on_few_words(get_search_results):
    def bounded(self, request, queryset, search_term):
        words = list(smart_split(search_term))
        if len(words) > MAX_SEARCH_WORDS:
            search_term = " ".join(words[:MAX_SEARCH_WORDS])
        return get_search_results(self, request, queryset, search_term)

    return bounded


def _printable(form_class: type) -> type:
    if issubclass(form_class, PrintableFormMixin):
        return form_class
    return type(form_class.__name__, (PrintableFormMixin, form_class), {})


def _forms_refusing_control_characters(get_form):
    def printable_form(self, request, obj=None, **kwargs):
        return _printable(get_form(self, request, obj, **kwargs))

    return printable_form


def _formsets_refusing_control_characters(get_formset):
    def printable_formset(self, request, obj=None, **kwargs):
        formset = get_formset(self, request, obj, **kwargs)
        formset.form = _printable(formset.form)
        return formset

    return printable_formset


def guard_every_admin() -> None:
    """Called once at start-up (ImaginConfig.ready). Every model of the
    back-office, the libraries' too (allauth, tasks, groups), refuses with a
    403 a bulk action the person may not use (`ModelAdmin.changelist_view`),
    runs its bulk actions through `ModelAdmin.response_action`, its searches through
    `ModelAdmin.get_search_results` and its forms through `get_form` (inline
    lines through `get_formset`): the one place where a posted selection is
    checked (`selection_as_keys`), a search bounded (`MAX_SEARCH_WORDS`) and
    control characters refused next to their field
    (`imagin.text_forms.PrintableFormMixin`) for all of them."""
    # Django's own classes patched in place, on purpose: no subclass would
    # reach the libraries' admins. mypy refuses any assignment to a method,
    # hence the ignores.
    if getattr(admin.ModelAdmin, "guarded", False):
        return
    admin.ModelAdmin.response_action = _response_action_on_keys(  # type: ignore[method-assign]
        admin.ModelAdmin.response_action
    )
    admin.ModelAdmin.changelist_view = _changelist_refusing_unavailable_actions(  # type: ignore[method-assign]
        admin.ModelAdmin.changelist_view
    )
    admin.ModelAdmin.get_search_results = _search_on_few_words(  # type: ignore[method-assign]
        admin.ModelAdmin.get_search_results
    )
    admin.ModelAdmin.get_form = _forms_refusing_control_characters(  # type: ignore[method-assign]
        admin.ModelAdmin.get_form
    )
    admin.options.InlineModelAdmin.get_formset = (  # type: ignore[method-assign]
        _formsets_refusing_control_characters(
            admin.options.InlineModelAdmin.get_formset
        )
    )
    admin.ModelAdmin.guarded = True  # type: ignore[attr-defined]
