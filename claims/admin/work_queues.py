"""Work queues in the back-office: « Enregistrer ces filtres comme file de
travail » on the claims queue, the page of the queues (the division's, mine,
those other managers share) with their subscribe buttons, renaming and
deleting one's own, and the subscribed queues' counts on the dashboard.

`WorkQueuesMixin` is put before ClaimAdmin's other bases (as `ExportMixin`):
its pages are the claims queue's, for whoever may see it (others get a 403;
the back-office sends those without it to the sign-in page). Every change
goes through `claims.services.work_queues`; queries are checked against the
queue's filters by `claims.admin.queue_query`.

A queue opens as the claims queue with its filters and `?file=<id>`: that
parameter is taken off the query before the admin reads it (the admin
refuses parameters it does not know) and shows the queue's name and its
subscribe button above the list, when the filters are still the queue's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from claims import dashboard
from claims.admin import queue_query
from claims.models import Claim, WorkQueue, WorkQueueSubscription
from claims.services import work_queues as services
from imagin.admin_export import NOT_FILTERS
from imagin.http import read_only

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object

QUEUE_VAR = "file"
LIST = "admin/claims/workqueue_list.html"
FORM = "admin/claims/workqueue_form.html"
DELETE = "admin/claims/workqueue_delete.html"
CHANGELIST = "admin:claims_claim_changelist"
QUEUES = "admin:claims_claim_workqueues"


class WorkQueueForm(forms.Form):
    """A queue's name and sharing (the change page); the service checks the
    name (printable, length, unique among the queues one sees)."""

    name = forms.CharField(
        label=gettext_lazy("Nom de la file de travail"),
        error_messages={
            "required": gettext_lazy("Donnez un nom à la file de travail.")
        },
    )
    shared = forms.BooleanField(
        label=gettext_lazy("Partager avec la division"),
        required=False,
        help_text=gettext_lazy(
            "Les autres gestionnaires la voient et peuvent s'y abonner ; "
            "sinon, elle reste personnelle."
        ),
    )


class WorkQueueSaveForm(WorkQueueForm):
    """The queue page's filters saved as a new queue."""

    subscribe = forms.BooleanField(
        label=gettext_lazy("La suivre sur mon tableau de bord"),
        required=False,
        initial=True,
    )
    filters = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, known: dict[str, queue_query.Parameter], **kwargs):
        super().__init__(*args, **kwargs)
        self.known = known

    def clean_filters(self) -> str:
        return queue_query.clean_query(self.known, self.cleaned_data["filters"])


@dataclass(frozen=True)
class QueueFigure:
    """A subscribed queue on the dashboard."""

    queue: WorkQueue
    count: int | None  # None: its filters no longer fit the claims queue
    url: str


def queue_url(queue: WorkQueue, given: dict[str, str] | None) -> str:
    """The claims queue filtered as `queue` (its checked parameters `given`);
    the list of queues when they no longer fit."""
    if given is None:
        return reverse(QUEUES)
    return f"{reverse(CHANGELIST)}?{urlencode({**given, QUEUE_VAR: str(queue.pk)})}"


def _sort_key(label: object) -> str:
    decomposed = unicodedata.normalize("NFKD", str(label).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _with_subscription(queryset, user) -> Any:
    mine = WorkQueueSubscription.objects.filter(queue=OuterRef("pk"), manager=user)
    return queryset.annotate(subscribed=Exists(mine))


def dashboard_queues(request: AuthenticatedHttpRequest) -> list[QueueFigure]:
    """The queues the signed-in manager follows, each with its number of
    claims: two queries whatever their number (the subscriptions, then every
    count at once, `claims.dashboard.queue_counts`); none for someone who
    does not see the claims queue."""
    model_admin = admin.site.get_model_admin(Claim)
    if not model_admin.has_view_permission(request):
        return []
    user = request.user
    subscriptions = list(
        WorkQueueSubscription.objects.filter(manager=user)
        .filter(Q(queue__shared=True) | Q(queue__created_by=user))
        .select_related("queue")[: services.MAX_SUBSCRIPTIONS]
    )
    if not subscriptions:
        return []
    known = queue_query.parameters(model_admin, request)
    read = {
        s.queue.pk: queue_query.read_query(known, s.queue.query) for s in subscriptions
    }
    counts = dashboard.queue_counts(
        {
            pk: queue_query.queue_queryset(model_admin, request, known, given)
            for pk, given in read.items()
            if given
        }
    )
    return [
        QueueFigure(
            s.queue, counts.get(s.queue.pk), queue_url(s.queue, read[s.queue.pk])
        )
        for s in subscriptions
    ]


class WorkQueuesMixin(_ModelAdmin):
    """The claims queue's work queues (see the module's docstring)."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "files-de-travail/",
                wrap(self.work_queues_view),
                name="claims_claim_workqueues",
            ),
            path(
                "files-de-travail/enregistrer/",
                wrap(self.work_queue_save_view),
                name="claims_claim_workqueue_save",
            ),
            path(
                "files-de-travail/<int:pk>/abonnement/",
                wrap(self.work_queue_subscription_view),
                name="claims_claim_workqueue_subscription",
            ),
            path(
                "files-de-travail/<int:pk>/modifier/",
                wrap(self.work_queue_change_view),
                name="claims_claim_workqueue_change",
            ),
            path(
                "files-de-travail/<int:pk>/supprimer/",
                wrap(self.work_queue_delete_view),
                name="claims_claim_workqueue_delete",
            ),
            *super().get_urls(),
        ]

    # -- the claims queue

    def changelist_view(self, request, extra_context=None):
        context = self._queue_page(request) if self.has_view_permission(request) else {}
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def _queue_page(self, request: HttpRequest) -> dict[str, object]:
        """Takes `?file=` off the query; the queue it names (when the filters
        are still its own) or the form saving the filters in force."""
        chosen = request.GET.get(QUEUE_VAR, "")
        if QUEUE_VAR in request.GET:
            query = request.GET.copy()
            query.pop(QUEUE_VAR)
            request.GET = read_only(query)
        known = queue_query.parameters(self, request)
        current = request.GET.copy()
        for key in NOT_FILTERS:
            current.pop(key, None)
        given = queue_query.read_query(known, current.urlencode())
        if not given:
            return {}
        queue = None
        if queue_query.ID.fullmatch(chosen):
            queue = (
                _with_subscription(
                    WorkQueue.objects.visible_to(request.user), request.user
                )
                .filter(pk=int(chosen))
                .first()
            )
        if queue is not None and queue_query.read_query(known, queue.query) == given:
            return {"work_queue": queue}
        form = WorkQueueSaveForm(
            known=known, initial={"filters": urlencode(given), "subscribe": True}
        )
        return {"work_queue_form": form}

    # -- the pages

    def _check_view(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def _page(self, request, template: str, title: str, status: int = 200, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
            status=status,
        )

    def _visible(self, request: AuthenticatedHttpRequest, pk: int) -> WorkQueue:
        self._check_view(request)
        queue = (
            _with_subscription(WorkQueue.objects.visible_to(request.user), request.user)
            .filter(pk=pk)
            .first()
        )
        if queue is None:
            raise Http404
        return queue

    def _authored(self, request: AuthenticatedHttpRequest, pk: int) -> WorkQueue:
        queue = self._visible(request, pk)
        if not queue.is_authored_by(request.user):
            raise PermissionDenied
        return queue

    def work_queues_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """The queues one sees: the division's, one's own, the shared ones."""
        self._check_view(request)
        known = queue_query.parameters(self, request)
        queues = list(
            _with_subscription(WorkQueue.objects.visible_to(request.user), request.user)
            .select_related("created_by")
            .annotate(subscribers=Count("subscriptions"))
            .order_by("pk")
        )
        read = [queue_query.read_query(known, queue.query) for queue in queues]
        names = queue_query.related_names(known, [given for given in read if given])
        # In the reader's alphabetical order (« Écarts » among the E).
        rows = sorted(
            (
                {
                    "queue": queue,
                    "url": queue_url(queue, given),
                    "filters": queue_query.describe(known, given or {}, names),
                    "broken": given is None,
                    "mine": queue.is_authored_by(request.user),
                }
                for queue, given in zip(queues, read, strict=True)
            ),
            key=lambda row: _sort_key(row["queue"].label),
        )
        return self._page(
            request,
            LIST,
            _("Files de travail"),
            builtin=[row for row in rows if row["queue"].is_builtin],
            mine=[row for row in rows if row["mine"]],
            shared=[
                row for row in rows if not row["mine"] and not row["queue"].is_builtin
            ],
            following=sum(1 for queue in queues if queue.subscribed),
            max_subscriptions=services.MAX_SUBSCRIPTIONS,
        )

    def work_queue_save_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """Save the filters posted (or given as `?filtres=`) as a new queue."""
        self._check_view(request)
        known = queue_query.parameters(self, request)
        if request.method != "POST":
            filters = request.GET.get("filtres", "")
            form = WorkQueueSaveForm(
                known=known, initial={"filters": filters, "subscribe": True}
            )
            return self._save_page(request, form, known, filters)
        form = WorkQueueSaveForm(request.POST, known=known)
        if form.is_valid():
            data = form.cleaned_data
            try:
                queue = services.work_queue_create(
                    name=data["name"],
                    query=data["filters"],
                    shared=data["shared"],
                    subscribe=data["subscribe"],
                    by=request.user,
                )
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                messages.success(
                    request,
                    _("File de travail « %(name)s » enregistrée.")
                    % {"name": queue.name},
                )
                return redirect(
                    queue_url(queue, queue_query.read_query(known, queue.query))
                )
        filters = str(form.data.get("filters", ""))
        return self._save_page(request, form, known, filters, status=400)

    def _save_page(self, request, form, known, filters: str, status: int = 200):
        given = queue_query.read_query(known, filters)
        return self._page(
            request,
            FORM,
            _("Enregistrer ces filtres comme file de travail"),
            status=status,
            form=form,
            filters=(
                queue_query.describe(
                    known, given, queue_query.related_names(known, [given])
                )
                if given
                else None
            ),
            back=reverse(CHANGELIST) + (f"?{urlencode(given)}" if given else ""),
        )

    def work_queue_subscription_view(
        self, request: AuthenticatedHttpRequest, pk: int
    ) -> HttpResponse:
        return require_POST(self._subscription)(request, pk)

    def _subscription(self, request: AuthenticatedHttpRequest, pk: int):
        """Subscribe (`abonner=1`) or unsubscribe, then back to the queue
        (`retour=file`) or to the list of queues."""
        queue = self._visible(request, pk)
        try:
            if request.POST.get("abonner") == "1":
                services.work_queue_subscribe(queue=queue, by=request.user)
                messages.success(
                    request,
                    _("Vous suivez « %(name)s » sur votre tableau de bord.")
                    % {"name": queue.label},
                )
            else:
                services.work_queue_unsubscribe(queue=queue, by=request.user)
                messages.success(
                    request,
                    _("Vous ne suivez plus « %(name)s ».") % {"name": queue.label},
                )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        if request.POST.get("retour") == "file":
            known = queue_query.parameters(self, request)
            return redirect(
                queue_url(queue, queue_query.read_query(known, queue.query))
            )
        return redirect(QUEUES)

    def work_queue_change_view(
        self, request: AuthenticatedHttpRequest, pk: int
    ) -> HttpResponse:
        """Rename one's queue, share it or keep it personal."""
        queue = self._authored(request, pk)
        status = 200
        if request.method == "POST":
            form = WorkQueueForm(request.POST)
            if form.is_valid():
                try:
                    services.work_queue_change(
                        queue=queue,
                        name=form.cleaned_data["name"],
                        shared=form.cleaned_data["shared"],
                        by=request.user,
                    )
                except WorkQueue.DoesNotExist:
                    raise Http404 from None
                except ValidationError as refused:
                    form.add_error(None, refused)
                else:
                    messages.success(request, _("File de travail modifiée."))
                    return redirect(QUEUES)
            status = 400
        else:
            form = WorkQueueForm(initial={"name": queue.name, "shared": queue.shared})
        return self._page(
            request,
            FORM,
            _("Modifier la file de travail « %(name)s »") % {"name": queue.label},
            status=status,
            form=form,
            queue=queue,
            back=reverse(QUEUES),
        )

    def work_queue_delete_view(
        self, request: AuthenticatedHttpRequest, pk: int
    ) -> HttpResponse:
        """Confirm, then delete one's queue."""
        queue = self._authored(request, pk)
        if request.method == "POST":
            try:
                services.work_queue_delete(queue=queue, by=request.user)
            except WorkQueue.DoesNotExist:
                raise Http404 from None
            messages.success(
                request,
                _("File de travail « %(name)s » supprimée.") % {"name": queue.name},
            )
            return HttpResponseRedirect(reverse(QUEUES))
        others = queue.subscriptions.exclude(manager=request.user).count()
        return self._page(
            request,
            DELETE,
            _("Supprimer la file de travail « %(name)s »") % {"name": queue.label},
            queue=queue,
            others=others,
        )
