"""The guided entry of a claim, one step per page: Continuer, Enregistrer,
Retour; invalid values kept as typed; a stale form shown both versions.

The same view serves every step: what a step shows, reads and saves is the
step's own (`claims.steps`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from claims import flow, history, selectors, services, steps, tracker
from claims.models import Claim, ClaimStatus
from claims.services import ClaimChanged
from claims.steps import Step, StepPage
from claims.steps.base import Entry
from claims.views.common import own_claim, posted_version
from imagin import session_timeout


@login_required
def claim_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    claim = own_claim(request, pk)
    if flow.entry_closed_reason(claim):
        return redirect("claims:detail", claim.pk)
    current = steps.step_named(claim, step)
    if current is None:
        raise Http404
    claim_steps = steps.steps_for(claim)
    resume = steps.current_step(claim)
    if claim_steps.index(current) > claim_steps.index(resume):
        # Steps are taken in order: a later one is reached by continuing.
        return redirect("claims:step", claim.pk, resume.identifier)
    if request.method == "POST":
        return _post_step(request, claim, current)
    return _render_step(request, claim, current, current.page(claim))


def _render_step(request, claim: Claim, step: Step, page: StepPage, status=200):
    claim_steps = steps.steps_for(claim)
    index = claim_steps.index(step)
    following = claim_steps[index + 1] if index + 1 < len(claim_steps) else None
    context = {
        "claim": claim,
        "step": step,
        "steps": claim_steps,
        # The stepper (django-dsfr's `dsfr_stepper` takes it as it is).
        "stepper": {
            "current_step_id": index + 1,
            "current_step_title": step.title,
            "next_step_title": following.title if following else "",
            "total_steps": len(claim_steps),
        },
        "previous": claim_steps[index - 1] if index else None,
        "page": page,
        "missing": step.missing(claim),
        "return_reason": history.return_reason(claim)
        if claim.status == ClaimStatus.RETURNED
        else "",
        "history": history.claim_history(claim),
        "tracker": tracker.trackers_for([claim], request.user)[0],
        **step.context(claim, claim_steps),
    }
    return render(request, "claims/claim_step.html", context, status=status)


def _post_step(
    request: AuthenticatedHttpRequest, claim: Claim, step: Step
) -> HttpResponse:
    action = request.POST.get("action", "continuer")
    previous = steps.previous_step(claim, step)
    if not step.saves:
        if action == "retour" and previous:
            return redirect("claims:step", claim.pk, previous.identifier)
        return redirect("claims:step", claim.pk, step.identifier)

    entry = step.read(claim, request.POST, continuing=action == "continuer")
    if entry.elsewhere:
        return redirect(entry.elsewhere)
    if entry.refusal:
        # A refusal that is a field's error is in the form's error summary:
        # said once, there.
        if entry.page.form is None or not entry.page.form.errors:
            messages.error(request, entry.refusal)
        return _render_step(request, claim, step, entry.page, status=400)
    page = entry.page
    try:
        claim_saved = services.claim_step_save(
            claim=claim,
            by=request.user,
            version=posted_version(request),
            step=step.identifier,
            values=entry.values,
            complete=entry.complete,
            draft=entry.draft,
        )
    except ClaimChanged:
        fresh = selectors.claim_for_participant(request.user, claim.pk)
        page.conflict = step.conflict_rows(page, fresh)
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
    response = _after_save(request, fresh, step, page, entry, action, previous)
    # The browser's copy of what was typed (draft-keeper.js) can go.
    session_timeout.draft_saved(response, request.path)
    return response


def _after_save(
    request: AuthenticatedHttpRequest,
    fresh: Claim,
    step: Step,
    page: StepPage,
    entry: Entry,
    action: str,
    previous: Step | None,
) -> HttpResponse:
    if action == "retour":
        # What was typed is saved (in the draft if invalid): going back loses nothing.
        if previous is None:
            return redirect("claims:list")
        return redirect("claims:step", fresh.pk, previous.identifier)
    missing = step.missing(fresh)
    if entry.draft is not None:
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
        return redirect("claims:step", fresh.pk, step.identifier)
    if missing:
        messages.error(
            request, _("Cette étape n'est pas complète : %s") % " ".join(missing)
        )
        if step.flag_missing(page, fresh):
            return _render_step(request, fresh, step, page, status=400)
        return redirect("claims:step", fresh.pk, step.identifier)
    following = steps.next_step(fresh, step)
    # A step that saves is never the last: the summary, which saves nothing, is.
    assert following is not None
    return redirect("claims:step", fresh.pk, following.identifier)
