"""Back-office pages of the automatic assignment (missions.auto_assignment),
mixed into the missions' admin: the weights form (a session, or the missions
selected in the list), the run's progress, then its result and proposal as a
diff, filterable and paginated, with lines to drop and « Appliquer »; and the
lock of an assignment, from the mission's assignment page. Managers only
(the right to change missions); others 403.

The progress page never reloads itself (RGAA 13.1): static/imagin/progress.js
asks for it again and replaces its polite status region; without the script
the « Actualiser » link does the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import MANAGER, has_role
from missions.auto_apply import (
    apply_pending,
    assignment_lock,
    line_reason,
    lines_set_dropped,
    missions_lock,
    run_discard,
    unstaffable_reason,
)
from missions.auto_assignment import (
    apply_fail_if_stale,
    apply_request,
    run_fail_if_stale,
    run_start,
)
from missions.auto_data import DEFAULT_WEIGHTS
from missions.models import (
    Assignment,
    AssignmentRun,
    Centre,
    Epreuve,
    ExamSession,
    LineKind,
    Mission,
    RunStatus,
)

LINES_PER_PAGE = 50
STEPS = {
    "reading": gettext_lazy("Lecture des missions, déclarations et affectations"),
    "solving": gettext_lazy("Calcul de la meilleure affectation"),
    "saving": gettext_lazy("Enregistrement de la proposition"),
}


class WeightsForm(forms.Form):
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"), queryset=ExamSession.objects.all()
    )
    travel = forms.IntegerField(
        label=gettext_lazy("Déplacements"),
        min_value=0,
        max_value=1000,
        initial=DEFAULT_WEIGHTS["travel"],
        help_text=gettext_lazy("Coût d'un kilomètre entre la résidence et le centre."),
    )
    balance = forms.IntegerField(
        label=gettext_lazy("Équilibre des charges"),
        min_value=0,
        max_value=1000,
        initial=DEFAULT_WEIGHTS["balance"],
        help_text=gettext_lazy(
            "Coût de chaque mission en plus pour une même personne : plus il est "
            "élevé, plus les missions sont réparties."
        ),
    )
    continuity = forms.IntegerField(
        label=gettext_lazy("Continuité"),
        min_value=0,
        max_value=1000,
        initial=DEFAULT_WEIGHTS["continuity"],
        help_text=gettext_lazy(
            "Gain quand la personne travaille déjà (ou a travaillé) sur l'épreuve."
        ),
    )
    preference = forms.IntegerField(
        label=gettext_lazy("Souhaits des intervenants"),
        min_value=0,
        max_value=1000,
        initial=DEFAULT_WEIGHTS["preference"],
        help_text=gettext_lazy("Gain quand le centre est l'un de ceux souhaités."),
    )
    division_max = forms.IntegerField(
        label=gettext_lazy("Maximum de missions par intervenant"),
        min_value=1,
        max_value=50,
        required=False,
        help_text=gettext_lazy(
            "Pour la session, en plus de la limite de chacun et du maximum qu'il a "
            "déclaré ; vide : pas de maximum de la division."
        ),
    )
    missions = forms.ModelMultipleChoiceField(
        queryset=Mission.objects.all(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )


class AutoAssignmentMixin:
    """Adds the automatic assignment's pages and action to MissionAdmin."""

    if TYPE_CHECKING:
        admin_site: Any
        model: Any

    # The list's action (the mixin is not a ModelAdmin, whose type this is).
    actions: Any = ["auto_assign_selected", "lock_selected", "unlock_selected"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "affectation-automatique/",
                wrap(self.auto_start_view),
                name="missions_mission_auto_start",
            ),
            path(
                "affectation-automatique/<int:run_pk>/",
                wrap(self.auto_run_view),
                name="missions_mission_auto_run",
            ),
            path(
                "affectation-automatique/<int:run_pk>/appliquer/",
                wrap(self.auto_apply_view),
                name="missions_mission_auto_apply",
            ),
            path(
                "<int:pk>/verrou/",
                wrap(self.lock_view),
                name="missions_mission_lock",
            ),
            *super().get_urls(),
        ]

    def _manager(self, request: AuthenticatedHttpRequest) -> None:
        """The exam division's managers only (administrators, who may change
        missions too, do not staff a session)."""
        if not (
            has_role(request.user, MANAGER) and self.has_change_permission(request)  # type: ignore[attr-defined]
        ):
            raise PermissionDenied

    def _page(self, request, template: str, title: str, **context) -> HttpResponse:
        return render(
            request,
            f"admin/missions/mission/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
        )

    @admin.action(description=gettext_lazy("Affectation automatique des missions"))
    def auto_assign_selected(self, request, queryset) -> HttpResponse:
        self._manager(request)
        missions = list(queryset.select_related("exam"))
        sessions = {m.exam.session_id for m in missions}
        if len(sessions) != 1:
            messages.error(
                request, _("Choisissez des missions d'une seule et même session.")
            )
            return redirect("admin:missions_mission_changelist")
        form = WeightsForm(
            initial={"session": sessions.pop(), "missions": [m.pk for m in missions]}
        )
        return self._start_page(request, form, missions)

    @admin.action(description=gettext_lazy("Verrouiller les affectations"))
    def lock_selected(self, request, queryset) -> None:
        self._lock_selected(request, queryset, locked=True)

    @admin.action(description=gettext_lazy("Déverrouiller les affectations"))
    def unlock_selected(self, request, queryset) -> None:
        self._lock_selected(request, queryset, locked=False)

    def _lock_selected(self, request, queryset, *, locked: bool) -> None:
        """Every active assignment of the selected missions, each audited."""
        self._manager(request)
        changed = missions_lock(missions=queryset, by=request.user, locked=locked)
        messages.success(
            request,
            (
                ngettext(
                    "%(count)d affectation verrouillée.",
                    "%(count)d affectations verrouillées.",
                    changed,
                )
                if locked
                else ngettext(
                    "%(count)d affectation déverrouillée.",
                    "%(count)d affectations déverrouillées.",
                    changed,
                )
            )
            % {"count": changed},
        )

    def _start_page(self, request, form: WeightsForm, missions) -> HttpResponse:
        return self._page(
            request,
            "auto_start.html",
            _("Affectation automatique"),
            form=form,
            chosen=missions,
            runs=AssignmentRun.objects.select_related("session", "created_by")[:10],
        )

    def auto_start_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        self._manager(request)
        # From a mission's assignment page: its session chosen beforehand.
        session = _ids([request.GET.get("session", "")])
        form = WeightsForm(
            request.POST if request.method == "POST" else None,
            initial={"session": session.pop()} if session else None,
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                run = run_start(
                    session=data["session"],
                    by=request.user,
                    weights={name: data[name] for name in DEFAULT_WEIGHTS},
                    division_max=data["division_max"],
                    missions=list(data["missions"].select_related("exam")),
                )
            except ValidationError as refused:
                messages.error(request, " ".join(refused.messages))
            else:
                return redirect("admin:missions_mission_auto_run", run_pk=run.pk)
        chosen = list(form.cleaned_data.get("missions") or []) if form.is_bound else []
        return self._start_page(request, form, chosen)

    def _run(self, request, run_pk: int) -> AssignmentRun:
        self._manager(request)
        run = (
            AssignmentRun.objects.select_related("session", "created_by", "applied_by")
            .filter(pk=run_pk)
            .first()
        )
        if run is None:
            raise Http404
        return run

    def auto_run_view(
        self, request: AuthenticatedHttpRequest, run_pk: int
    ) -> HttpResponse:
        run = run_fail_if_stale(run=self._run(request, run_pk), by=request.user)
        run = apply_fail_if_stale(run=run, by=request.user)
        title = str(run)
        if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
            return self._page(
                request,
                "auto_progress.html",
                title,
                run=run,
                step=STEPS.get(run.progress_note, ""),
                percent=round(run.progress * 100),
            )
        if request.method == "POST" and "drop" in request.POST:
            shown = _ids(request.POST.getlist("shown"))
            try:
                lines_set_dropped(
                    run=run,
                    shown=shown,
                    dropped=_ids(request.POST.getlist("line")),
                    by=request.user,
                )
            except ValidationError as refused:
                messages.error(request, " ".join(refused.messages))
            else:
                messages.success(request, _("Les lignes écartées sont enregistrées."))
            return redirect(request.get_full_path())
        return self._page(request, "auto_result.html", title, **_result(request, run))

    def auto_apply_view(
        self, request: AuthenticatedHttpRequest, run_pk: int
    ) -> HttpResponse:
        run = self._run(request, run_pk)
        if request.method != "POST":
            return redirect("admin:missions_mission_auto_run", run_pk=run.pk)
        try:
            if "discard" in request.POST:
                run_discard(run=run, by=request.user)
                messages.success(request, _("La proposition est abandonnée."))
            elif "confirm" in request.POST:
                # Applied by the background worker (thousands of lines take
                # longer than a request may); the result page follows it.
                run = apply_request(run=run, by=request.user)
                if run.status == RunStatus.APPLIED:  # the worker was immediate
                    messages.success(
                        request,
                        _(
                            "Proposition appliquée : %(applied)d ligne(s) "
                            "appliquée(s), %(skipped)d refusée(s), %(dropped)d "
                            "écartée(s)."
                        )
                        % run.summary,
                    )
            else:
                # « Appliquer » sends the page's ticks with it: saved first,
                # so that the confirmation counts (and applies) them.
                lines_set_dropped(
                    run=run,
                    shown=_ids(request.POST.getlist("shown")),
                    dropped=_ids(request.POST.getlist("line")),
                    by=request.user,
                )
                return self._page(
                    request,
                    "auto_confirm.html",
                    _("Appliquer la proposition"),
                    run=run,
                    counts=_counts(run),
                )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        return redirect("admin:missions_mission_auto_run", run_pk=run.pk)

    def lock_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        self._manager(request)
        if request.method != "POST":
            return redirect("admin:missions_mission_assign", pk=pk)
        assignment_pk = _ids([request.POST.get("assignment", "")])
        assignment = Assignment.objects.filter(
            pk__in=assignment_pk, mission_id=pk
        ).first()
        if assignment is None:
            raise Http404
        locked = request.POST.get("locked") == "1"
        assignment_lock(assignment=assignment, by=request.user, locked=locked)
        messages.success(
            request,
            _("L'affectation est verrouillée.")
            if locked
            else _("L'affectation est déverrouillée."),
        )
        return redirect("admin:missions_mission_assign", pk=pk)


def _ids(values) -> set[int]:
    return {int(v) for v in values if v and v.isascii() and v.isdigit() and len(v) < 12}


def _counts(run: AssignmentRun) -> dict[str, int]:
    lines = run.lines.all()
    return {
        "kept": lines.filter(dropped=False).exclude(kind=LineKind.UNCHANGED).count(),
        "dropped": lines.filter(dropped=True).count(),
    }


def _result(request, run: AssignmentRun) -> dict[str, Any]:
    """The result and a page of the diff: 7 queries whatever its size."""
    lines = run.lines.select_related(
        "participant",
        "mission__epreuve",
        "mission__centre__commune",
        "mission__mission_type",
        "mission__exam",
        "previous__mission__epreuve",
        "previous__mission__exam",
        "previous__mission__mission_type",
    ).order_by("mission__starts_at", "mission_id", "participant__last_name", "pk")
    kind = request.GET.get("nature", "")
    if kind in LineKind.values:
        lines = lines.filter(kind=kind)
    epreuve = _ids([request.GET.get("epreuve", "")])
    if epreuve:
        lines = lines.filter(mission__epreuve_id__in=epreuve)
    centre = _ids([request.GET.get("centre", "")])
    if centre:
        lines = lines.filter(mission__centre_id__in=centre)
    search = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    if search:
        lines = lines.filter(
            Q(participant__last_name__icontains=search)
            | Q(participant__first_name__icontains=search)
        )
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    in_run = run.lines.values("mission_id")
    missions = {
        m.pk: m
        for m in Mission.objects.filter(
            pk__in=[item["mission"] for item in run.unstaffable]
        ).select_related("centre__commune", "mission_type", "epreuve", "exam")
    }
    return {
        "run": run,
        "page_obj": page,
        "rows": [(line, line_reason(line)) for line in page],
        "unstaffable": [
            (missions.get(item["mission"]), unstaffable_reason(item))
            for item in run.unstaffable
        ],
        "kinds": LineKind.choices,
        "epreuves": Epreuve.objects.filter(missions__in=in_run)
        .distinct()
        .order_by("name"),
        "centres": Centre.objects.filter(missions__in=in_run)
        .distinct()
        .order_by("name"),
        "filters": {"nature": kind, "epreuve": epreuve, "centre": centre, "q": search},
        "query": request.GET.urlencode(),
        "applying": apply_pending(run),
        "editable": run.status == RunStatus.DONE and not apply_pending(run),
        "cost": run.cost_parts.get("cost"),
        "apply_url": reverse("admin:missions_mission_auto_apply", args=[run.pk]),
    }
