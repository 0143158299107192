"""The guided entry of a claim, one step per page: Continuer, Enregistrer,
Retour; invalid values kept as typed; a stale form shown both versions."""

from __future__ import annotations

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

# What a step's form posts besides its fields.
CONTROL_FIELDS = ("csrfmiddlewaretoken", "action", "version")


def _raw(request: HttpRequest) -> dict[str, list[str]]:
    """What was typed, as posted, to be kept in the draft."""
    return {
        key: request.POST.getlist(key)
        for key in request.POST
        if key not in CONTROL_FIELDS
    }


def _bound(raw: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in raw.items():
        data.setlist(key, values)
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
    if data is None and "service" in claim.draft:
        data = _bound(claim.draft["service"])
    return ServiceForm(data, fields=fields, initial=_service_initial(claim))


def _travel_formsets(claim: Claim, data=None) -> list:
    if data is None and "deplacement" in claim.draft:
        data = _bound(claim.draft["deplacement"])
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
        form = _service_form(claim, request.POST)
        page.form = form
        valid = form.is_valid()
        fields = dict(form.cleaned_data)  # the valid fields, even if others are not
        raw = None if valid else _raw(request)
        if valid and action == "continuer":
            fields["steps_done"] = sorted({*claim.steps_done, step.name})
    elif step.name == "deplacement":
        formsets = _travel_formsets(claim, request.POST)
        page.formsets = formsets
        valid = all(formset.is_valid() for _part, formset in formsets)
        if valid:
            travel = _travel_values(formsets)
            if action == "continuer":
                fields = {"steps_done": sorted({*claim.steps_done, step.name})}
        else:
            raw = _raw(request)

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
