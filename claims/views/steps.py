"""The guided entry of a claim, one step per page: Continuer, Enregistrer,
Retour; invalid values kept as typed; a stale form shown both versions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import flow, selectors, services
from claims.forms import TRAVEL_PARTS, ServiceForm
from claims.models import Claim, ClaimStatus
from claims.services import ClaimChanged
from claims.views.common import own_claim, posted_version
from imagin.text import printable

# A value kept in a draft: longer than any step's field accepts (so a value
# too long stays too long, and is refused again with its message), short
# enough that a draft stays small whatever is posted.
DRAFT_VALUE_LIMIT = 300


def _draft(data: QueryDict) -> dict[str, list[str]]:
    """What was typed on a step, to keep in the claim's draft when invalid.

    The one place a draft is made. `data` holds only the step's own fields
    (`_service_data`, `_travel_data`): a draft never keeps what else a
    browser may post (990 unknown fields made one draft 5 MB). Each value is
    made storable (a NUL byte, refused by PostgreSQL in JSON, would lose the
    whole save) and bounded.
    """
    return {key: [printable(value, DRAFT_VALUE_LIMIT)] for key, value in data.items()}


def _bound(raw: object) -> QueryDict:
    """A stored draft as posted data. A draft saved by older code may hold
    anything JSON can (unknown keys, numbers, lists, objects): each value
    becomes text, so a bad one is shown with its message, never a crash."""
    data = QueryDict(mutable=True)
    if not isinstance(raw, dict):
        return data
    for key, values in raw.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            continue
        value = values[-1]
        if value is None:
            value = ""
        elif not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        data[str(key)] = printable(value, DRAFT_VALUE_LIMIT)
    return data


def _service_data(claim: Claim, posted: QueryDict) -> QueryDict:
    """The service step's own fields, the last value of each (as a form
    reads a duplicated field)."""
    data = QueryDict(mutable=True)
    for name in flow.service_fields(claim):
        if name in posted:
            data[name] = posted.getlist(name)[-1]
    return data


def _line_fields(formset_class) -> list[str]:
    # Not the hidden link to the claim: Django fills it in when absent, and
    # a tampered one would be an error on a field no one sees.
    return [*formset_class.form.base_fields, "id", "DELETE"]


def _count(values: list[str], maximum: int) -> int | None:
    """A posted form count, if it is one (a whole number up to `maximum`)."""
    text = values[-1].strip() if values else ""
    if not (text.isascii() and text.isdigit() and len(text) < 6):
        return None
    return int(text) if int(text) <= maximum else None


def _travel_data(claim: Claim, posted: QueryDict) -> QueryDict:
    """The travel step's own fields: each formset's lines up to its maximum
    number, the ids of the claim's own saved lines only, and management
    counts that match the lines posted.

    A count missing, tampered with or out of range would otherwise make
    Django show no line at all, and an unknown id an error on a hidden
    field: what was typed would be lost from the page, or stuck.
    """
    data = QueryDict(mutable=True)
    for part in TRAVEL_PARTS:
        formset_class = part.formset
        maximum = formset_class.max_num
        saved = {str(entry.pk) for entry in getattr(claim, part.related).all()}
        lines = 0
        with_id = []
        for index in range(maximum):
            for name in _line_fields(formset_class):
                key = f"{part.prefix}-{index}-{name}"
                if key not in posted:
                    continue
                value = posted.getlist(key)[-1]
                if name != "id" or value in saved:
                    data[key] = value
                    lines = index + 1
            with_id.append(bool(data.get(f"{part.prefix}-{index}-id")))
        total = _count(posted.getlist(f"{part.prefix}-TOTAL_FORMS"), maximum)
        total = max(total or 0, lines)
        # The saved lines come first, each with its id (Django requires one
        # on each of them): as many as lead the lines posted, whatever the
        # count posted says.
        initial = next(
            (index for index, known in enumerate(with_id) if not known), maximum
        )
        initial = min(initial, total)
        data[f"{part.prefix}-TOTAL_FORMS"] = str(total)
        data[f"{part.prefix}-INITIAL_FORMS"] = str(initial)
        data[f"{part.prefix}-MIN_NUM_FORMS"] = str(formset_class.min_num)
        data[f"{part.prefix}-MAX_NUM_FORMS"] = str(maximum)
    return data


# ------------------------------------------------------------------ steps


@dataclass
class StepPage:
    """What one step shows: its form(s), and a conflict to explain if any."""

    form: object = None
    formsets: list | None = None
    conflict: list | None = None


def _service_initial(claim: Claim) -> dict:
    """Saved values; where nothing is saved yet, the mission's planned ones."""
    mission = claim.assignment.mission
    planned = mission.planned_volume
    start = timezone.localtime(mission.starts_at)
    end = timezone.localtime(mission.ends_at)
    defaults = {
        "copies_declared": planned,
        "candidates_declared": None
        if claim.assignment.mission.mission_type.payment_basis == "per_hour"
        else planned,
        "hours_declared": planned
        if mission.mission_type.payment_basis == "per_hour"
        else None,
        "schedule": f"{start:%H:%M} – {end:%H:%M}"
        if end - start < timedelta(days=1)
        else "",
    }
    return {
        name: getattr(claim, name)
        if getattr(claim, name) not in (None, "")
        else defaults[name]
        for name in flow.service_fields(claim)
    }


def _service_form(claim: Claim, data=None) -> ServiceForm:
    fields = flow.service_fields(claim)
    draft = flow.step_draft(claim, "service")
    if data is None and draft is not None:
        data = _service_data(claim, _bound(draft))
    return ServiceForm(data, fields=fields, initial=_service_initial(claim))


def _travel_formsets(claim: Claim, data=None) -> list:
    draft = flow.step_draft(claim, "deplacement")
    if data is None and draft is not None:
        data = _travel_data(claim, _bound(draft))
    return [
        (part, part.formset(data, instance=claim, prefix=part.prefix))
        for part in TRAVEL_PARTS
    ]


def _travel_values(formsets) -> dict[str, list[dict]]:
    """The rows to keep, per related name, as field values (formsets valid)."""
    values: dict[str, list[dict]] = {}
    for part, formset in formsets:
        # Not model fields: the row's id, its claim and its deletion box.
        control = {formset.fk.name, "id", "DELETE"}
        values[part.related] = [
            {
                name: value
                for name, value in form.cleaned_data.items()
                if name not in control
            }
            for form in formset.forms
            # Kept: saved rows not ticked for deletion, and new rows typed into.
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.instance.pk or form.has_changed())
        ]
    return values


def _conflict_rows(form: ServiceForm, current: Claim) -> list[tuple[str, str, str]]:
    return [
        (
            form.fields[name].label,
            "" if getattr(current, name) is None else str(getattr(current, name)),
            form.data.get(name, ""),
        )
        for name in form.fields
    ]


def _travel_conflict_rows(formsets, current: Claim) -> list[tuple[str, str, str]]:
    """Per kind of entry: what is saved now, and what this form typed."""
    rows = []
    for part, formset in formsets:
        typed = []
        for form in formset.forms:
            values = [
                form.data.get(form.add_prefix(name), "")
                for name in ("date", "origin", "destination", "kind", "zone")
            ]
            typed_in = any(values[:3])  # a default meal kind or zone alone is no entry
            if typed_in and not form.data.get(form.add_prefix("DELETE")):
                typed.append(" ".join(value for value in values if value))
        saved = getattr(current, part.related).all()
        rows.append(
            (
                part.title,
                " ; ".join(f"{entry} {entry.date or ''}".strip() for entry in saved),
                " ; ".join(typed),
            )
        )
    return rows


@login_required
def claim_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    claim = own_claim(request, pk)
    if flow.entry_closed_reason(claim):
        return redirect("claims:detail", claim.pk)
    current = flow.step_named(claim, step)
    if current is None:
        raise Http404
    steps = flow.steps_for(claim)
    resume = flow.current_step(claim)
    if steps.index(current) > steps.index(resume):
        # Steps are taken in order: a later one is reached by continuing.
        return redirect("claims:step", claim.pk, resume.name)
    if request.method == "POST":
        return _post_step(request, claim, current)
    return _render_step(request, claim, current, _page(claim, current))


def _page(claim: Claim, step: flow.Step) -> StepPage:
    if step.name == "service":
        return StepPage(form=_service_form(claim))
    if step.name == "deplacement":
        return StepPage(formsets=_travel_formsets(claim))
    return StepPage()


def _render_step(request, claim, step, page: StepPage, status: int = 200):
    steps = flow.steps_for(claim)
    index = steps.index(step)
    context = {
        "claim": claim,
        "step": step,
        "steps": steps,
        "number": index + 1,
        "next": steps[index + 1] if index + 1 < len(steps) else None,
        "previous": steps[index - 1] if index else None,
        "page": page,
        "missing": [] if step.name == "recapitulatif" else step.missing(claim),
        "return_reason": selectors.return_reason(claim)
        if claim.status == ClaimStatus.RETURNED
        else "",
        "history": selectors.claim_history(claim),
    }
    if step.name == "recapitulatif":
        context["amounts"] = selectors.claim_amounts(claim)
        context["problems"] = flow.entry_problems(claim)
    return render(request, "claims/claim_step.html", context, status=status)


def _post_step(request: HttpRequest, claim: Claim, step: flow.Step) -> HttpResponse:
    action = request.POST.get("action", "continuer")
    previous = flow.previous_step(claim, step)
    if step.name == "recapitulatif":
        if action == "retour" and previous:
            return redirect("claims:step", claim.pk, previous.name)
        return redirect("claims:step", claim.pk, step.name)

    fields: dict = {}
    raw: dict | None = None
    travel = None
    page = StepPage()
    if step.name == "mission":
        if request.POST.get("performed") == "no":
            return redirect("claims:not_performed", claim.pk)
        if request.POST.get("performed") != "yes":
            messages.error(request, _("Indiquez si vous avez effectué la mission."))
            return _render_step(request, claim, step, page, status=400)
        fields = {"steps_done": sorted({*claim.steps_done, step.name})}
    elif step.name == "service":
        data = _service_data(claim, request.POST)
        form = _service_form(claim, data)
        page.form = form
        valid = form.is_valid()
        fields = dict(form.cleaned_data)  # the valid fields, even if others are not
        raw = None if valid else _draft(data)
        if valid and action == "continuer":
            fields["steps_done"] = sorted({*claim.steps_done, step.name})
    elif step.name == "deplacement":
        data = _travel_data(claim, request.POST)
        formsets = _travel_formsets(claim, data)
        page.formsets = formsets
        valid = all(formset.is_valid() for _part, formset in formsets)
        if valid:
            travel = _travel_values(formsets)
            if action == "continuer":
                fields = {"steps_done": sorted({*claim.steps_done, step.name})}
        else:
            raw = _draft(data)

    try:
        claim_saved = services.claim_entry_save(
            claim=claim,
            by=request.user,
            version=posted_version(request),
            step=step.name,
            fields=fields,
            raw=raw,
            travel=travel,
        )
    except ClaimChanged:
        fresh = selectors.claim_for_participant(request.user, claim.pk)
        if page.form is not None:
            page.conflict = _conflict_rows(page.form, fresh)
        elif page.formsets is not None:
            page.conflict = _travel_conflict_rows(page.formsets, fresh)
        messages.warning(
            request,
            _(
                "Cet état de frais a été modifié entre-temps (dans un autre onglet "
                "ou sur un autre appareil). Rien n'a été enregistré : comparez votre "
                "saisie, conservée ci-dessous, avec la version enregistrée, puis "
                "enregistrez à nouveau pour garder la vôtre."
            ),
        )
        return _render_step(request, fresh, step, page, status=409)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("claims:detail", claim.pk)

    fresh = selectors.claim_for_participant(request.user, claim_saved.pk)
    if action == "retour":
        # What was typed is saved (in the draft if invalid): going back loses nothing.
        if previous is None:
            return redirect("claims:list")
        return redirect("claims:step", fresh.pk, previous.name)
    missing = step.missing(fresh)
    if raw is not None:
        messages.error(
            request,
            _(
                "Votre saisie est enregistrée telle quelle, mais certaines valeurs ne "
                "sont pas valides : corrigez-les (voir ci-dessous)."
            ),
        )
        return _render_step(request, fresh, step, page, status=400)
    if action == "enregistrer":
        text = _("Votre saisie est enregistrée ; vous pouvez y revenir à tout moment.")
        if missing:
            text += " " + _("Il reste à compléter : %s") % " ".join(missing)
        messages.success(request, text)
        return redirect("claims:step", fresh.pk, step.name)
    if missing:
        messages.error(
            request, _("Cette étape n'est pas complète : %s") % " ".join(missing)
        )
        if page.form is not None:
            blank = flow.blank_service_fields(fresh, page.form.cleaned_data)
            for name, message in blank.items():
                page.form.add_error(name, message)
            return _render_step(request, fresh, step, page, status=400)
        return redirect("claims:step", fresh.pk, step.name)
    following = flow.next_step(fresh, step)
    return redirect("claims:step", fresh.pk, following.name)
