"""The back-office page "Renforts disponibles" (missions.emergency).

Reached from a mission (its page and its assignment page) or by épreuve and
date (a form read from the address, so the page can be bookmarked). A manager
sees each person's phone and e-mail, to call them, and assigns one with the
assignment page's own action (`MissionAdmin._assign_action`, which calls
`missions.services.assignment_create`): the rules are checked there again and
a refusal is shown, never overridden from this page. Each display of the list
is audited: it shows many people's contact details at once, as an export does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import MANAGER, has_role
from imagin.audit import audit_log
from missions import emergency, rules
from missions.models import Epreuve, Mission

TEMPLATE = "admin/missions/mission/reinforcements.html"
VIEWED = "missions.reinforcements.viewed"


class ReinforcementsForm(forms.Form):
    """Épreuve, day and half-day(s): the page's address holds them."""

    epreuve = forms.ModelChoiceField(
        label=gettext_lazy("Épreuve"),
        queryset=Epreuve.objects.select_related("exam__session").order_by(
            "-exam__session__year", "exam__name", "code", "pk"
        ),
    )
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    moment = forms.ChoiceField(
        label=gettext_lazy("Demi-journée"),
        choices=[
            ("journee", gettext_lazy("Toute la journée")),
            (rules.MORNING, gettext_lazy("Matin")),
            (rules.AFTERNOON, gettext_lazy("Après-midi")),
        ],
        required=False,
    )

    def halves(self) -> list[str]:
        moment = self.cleaned_data.get("moment")
        return [moment] if moment in emergency.HALVES else list(emergency.HALVES)


class ReinforcementsMixin:
    """The pages, added to `MissionAdmin`'s URLs."""

    if TYPE_CHECKING:
        admin_site: Any

        def has_change_permission(self, request: Any, obj: Any = None) -> bool: ...
        def get_object(
            self, request: Any, object_id: str, from_field: str | None = None
        ) -> Any: ...
        def _assign_action(self, request: Any, mission: Mission) -> None: ...

    def reinforcements_view(
        self, request: AuthenticatedHttpRequest, pk: int
    ) -> HttpResponse:
        """The pool of one mission."""
        mission = self.get_object(request, str(pk))
        if mission is None:
            raise Http404
        self._check_manager(request, mission)
        if request.method == "POST":
            self._assign_from_pool(request, [mission])
            return redirect(request.get_full_path())
        pool = emergency.mission_pool(mission)
        form = ReinforcementsForm(
            initial={"epreuve": mission.epreuve_id, "date": pool.day}
        )
        return self._pool_page(request, form, pool)

    def reinforcements_day_view(
        self, request: AuthenticatedHttpRequest
    ) -> HttpResponse:
        """The pool of an épreuve on a day, from the form's address."""
        self._check_manager(request, None)
        form = ReinforcementsForm(request.GET if "epreuve" in request.GET else None)
        pool = None
        if form.is_valid():
            pool = emergency.day_pool(
                form.cleaned_data["epreuve"], form.cleaned_data["date"], form.halves()
            )
            if request.method == "POST":
                self._assign_from_pool(request, pool.missions)
                return redirect(request.get_full_path())
        elif request.method == "POST":
            messages.error(request, _("Choisissez une épreuve et une date."))
        return self._pool_page(request, form, pool)

    def _check_manager(
        self, request: AuthenticatedHttpRequest, mission: Mission | None
    ) -> None:
        """The exam division's managers only: administrators, who may change
        missions too, have no call to read everyone's phone number."""
        if not (
            has_role(request.user, MANAGER)
            and self.has_change_permission(request, mission)
        ):
            raise PermissionDenied

    def _assign_from_pool(
        self, request: AuthenticatedHttpRequest, missions: list[Mission]
    ) -> None:
        if request.POST.get("action") != "assign":
            messages.error(request, _("Action inconnue."))
            return
        chosen = request.POST.get("mission", "")
        mission = next((m for m in missions if str(m.pk) == chosen), None)
        if mission is None and len(missions) == 1 and not chosen:
            mission = missions[0]
        if mission is None:
            messages.error(request, _("Choisissez une des missions proposées."))
            return
        self._check_manager(request, mission)
        # The assignment page's own path: the same rules, service and messages.
        self._assign_action(request, mission)

    def _pool_page(
        self,
        request: AuthenticatedHttpRequest,
        form: ReinforcementsForm,
        pool: emergency.Pool | None,
    ) -> HttpResponse:
        if pool is not None and pool.people:
            target = pool.mission or pool.epreuve
            assert target is not None  # a pool is of a mission or an épreuve
            audit_log(
                actor=request.user,
                action=VIEWED,
                target=target,
                data={
                    "rows": len(pool.people),
                    "date": pool.day.isoformat(),
                    "people": [r.participant.pk for r in pool.people],
                },
            )
        return render(
            request,
            TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "opts": Mission._meta,
                "title": _("Renforts disponibles"),
                "form": form,
                "pool": pool,
                "today": timezone.localdate(),
            },
        )
