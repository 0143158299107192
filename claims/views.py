"""The participant's claim pages: "Saisie états de frais mission", the guided
entry, "mission non effectuée", validation, supporting documents, recaps.

Every page shows only the signed-in person's own claims (404 otherwise);
every change goes through one service of `claims.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import FinancialFile
from claims import flow, recap, selectors, services
from claims.forms import TRAVEL_PARTS, DocumentForm, NotPerformedForm, ServiceForm
from claims.models import Claim, ClaimStatus, SupportingDocument
from claims.services import ClaimChanged
from missions.models import ExamSession

# What a step's form posts besides its fields.
CONTROL_FIELDS = ("csrfmiddlewaretoken", "action", "version")


def _own_claim(request: HttpRequest, pk: int) -> Claim:
    try:
        return selectors.claim_for_participant(request.user, pk)
    except Claim.DoesNotExist:
        raise Http404 from None


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0  # never a claim's version: handled as "changed meanwhile"


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


# ------------------------------------------------------------------ list


@login_required
@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    sessions = list(
        ExamSession.objects.filter(
            exams__missions__assignments__participant=request.user,
            exams__missions__assignments__claim__isnull=False,
        )
        .distinct()
        .order_by("-year", "-pk")
    )
    chosen = next(
        (s for s in sessions if str(s.pk) == request.GET.get("session", "")), None
    )
    rows = selectors.claims_for_participant(request.user, chosen.pk if chosen else None)
    now = timezone.now()
    return render(
        request,
        "claims/claim_list.html",
        {
            "rows": [(row, flow.participant_status(row.claim, now)) for row in rows],
            "sessions": sessions,
            "chosen": chosen,
        },
    )


# ---------------------------------------------------------------- detail


@login_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An open claim resumes at its first incomplete step; any other is shown
    read-only with the reason, its amounts, documents and history."""
    claim = _own_claim(request, pk)
    refusal = flow.entry_closed_reason(claim)
    if not refusal:
        return redirect("claims:step", claim.pk, flow.current_step(claim).name)
    financial_file = FinancialFile.objects.filter(user=request.user).first()
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "refusal": refusal,
            "amounts": selectors.claim_amounts(claim),
            "history": selectors.claim_history(claim),
            "documents_open": claim.status in services.DOCUMENTS_OPEN,
            "to_send": flow.documents_to_send(claim, financial_file),
            "document_form": DocumentForm(),
            "status_label": flow.participant_status(claim),
        },
    )


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
    claim = _own_claim(request, pk)
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
            version=_version(request),
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


# --------------------------------------------------------- transitions


@login_required
def claim_not_performed(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, with an optional comment, that the mission was not performed."""
    claim = _own_claim(request, pk)
    if flow.entry_closed_reason(claim):
        return redirect("claims:detail", claim.pk)
    form = NotPerformedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_declare_not_performed(
                claim=claim,
                by=request.user,
                version=_version(request),
                comment=form.cleaned_data["comment"],
            )
        except ClaimChanged:
            messages.warning(
                request,
                _("Cet état de frais a été modifié entre-temps : confirmez à nouveau."),
            )
            claim = _own_claim(request, pk)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return redirect("claims:detail", claim.pk)
        else:
            messages.success(
                request,
                _(
                    "C'est noté : la division des examens et concours est informée "
                    "que vous n'avez pas effectué cette mission."
                ),
            )
            return redirect("claims:detail", claim.pk)
    return render(
        request, "claims/claim_not_performed.html", {"claim": claim, "form": form}
    )


@login_required
@require_POST
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _own_claim(request, pk)
    try:
        _claim, submitted = services.claim_submit(
            claim=claim, by=request.user, version=_version(request)
        )
    except ClaimChanged:
        messages.warning(
            request,
            _(
                "Cet état de frais a été modifié entre-temps : relisez le "
                "récapitulatif ci-dessous, puis validez à nouveau."
            ),
        )
        return redirect("claims:step", claim.pk, "recapitulatif")
    except ValidationError as refused:
        if flow.entry_closed_reason(claim):
            messages.error(request, " ".join(refused.messages))
            return redirect("claims:detail", claim.pk)
        messages.error(
            request,
            _("Votre état de frais ne peut pas encore être validé : %s")
            % " ".join(refused.messages),
        )
        return redirect("claims:step", claim.pk, "recapitulatif")
    if submitted:
        messages.success(
            request,
            _(
                "Votre état de frais est validé et transmis à la division des examens "
                "et concours. Consultez ci-dessous les justificatifs à envoyer."
            ),
        )
    else:
        messages.info(request, _("Cet état de frais était déjà validé."))
    return redirect("claims:detail", claim.pk)


# ------------------------------------------------------------- documents


@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _own_claim(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                claim=claim,
                by=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as refused:
            form.add_error("file", refused)
        else:
            messages.success(request, _("Le justificatif est déposé."))
            return redirect("claims:detail", claim.pk)
    messages.error(
        request,
        _("Le justificatif n'a pas été déposé : %s")
        % " ".join(error for errors in form.errors.values() for error in errors),
    )
    return redirect("claims:detail", claim.pk)


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, document_pk: int):
    claim = _own_claim(request, pk)
    document = get_object_or_404(SupportingDocument, pk=document_pk, claim=claim)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


# ------------------------------------------------------------------ PDFs


def _pdf(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def claim_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _own_claim(request, pk)
    return _pdf(*recap.claim_recap_pdf(claim))


@login_required
@require_GET
def session_recap_pdf(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = get_object_or_404(ExamSession, pk=session_pk)
    rows = selectors.claims_for_participant(request.user, session.pk)
    if not rows:
        raise Http404
    return _pdf(*recap.session_recap_pdf(request.user, session, rows))
