"""The queue's actions deciding on many claims at once, and their report:
validate, and (with one reason for all, typed on a confirmation page) send
back for correction, cancel, restore, close a mission not performed at zero.

Up to `IN_REQUEST_LIMIT` claims (a page of the queue) are decided inside
the request, set-based (`claims.services.bulk_review`,
`claims.services.bulk_decisions`), and the report follows at once: a
fraction of a second, and the manager reads each claim's outcome without
another page. A larger selection ("select all") goes to the background
worker: the manager lands on a page following it (decided so far out of N)
that becomes the same report when the worker is done. The worker's task
result (django-tasks) holds the selection and the outcomes, so no table of
runs is needed; a backend running tasks at once (development) gives the
report straight away. Every run is followed on the same page
(`claims_claim_bulk_approval`), by the manager who launched it only.

The progress page never reloads itself (RGAA 13.1): a local script asks for
it again every few seconds and replaces only its status, which is announced
politely; without the script, an "Actualiser" link does the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from claims.admin.decisions import DECISIONS
from claims.models import Claim
from claims.review_forms import BulkReasonForm, CommentForm
from claims.services.bulk_decisions import BULK_DECISIONS, claims_decide, decide_claims
from claims.services.bulk_review import (
    APPROVED_ACTION,
    Outcome,
    approve_claims,
    approved_so_far,
    claims_approve,
)
from claims.services.review import Decision

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A page of the queue (`ClaimAdmin.list_per_page`) stays in the request.
IN_REQUEST_LIMIT = 50
REPORT = "admin/claims/claim/bulk_result.html"
PROGRESS = "admin/claims/claim/bulk_progress.html"
CONFIRM = "admin/claims/claim/bulk_decision.html"
TITLE = gettext_lazy("Validation des états de frais sélectionnés")


def title(decision: Decision) -> str:
    """The title of a run's pages: the validation's, or the decision's name
    on the claim's page (`claims.admin.decisions`)."""
    if decision == Decision.APPROVE:
        return str(TITLE)
    return _("%s : états de frais sélectionnés") % DECISIONS.get_or_404(decision).title


def approve_selected(
    model_admin, request: AuthenticatedHttpRequest, queryset
) -> HttpResponse:
    """Validate the selection here, or hand it to the worker and follow it."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    if len(ids) <= IN_REQUEST_LIMIT:
        outcomes = claims_approve(claim_ids=ids, by=request.user)
        return report(model_admin, request, outcomes, Decision.APPROVE)
    result = approve_claims.enqueue(ids, request.user.pk, translation.get_language())
    return _launched(model_admin, request, result, ids, Decision.APPROVE)


def decide_selected(
    model_admin, request: AuthenticatedHttpRequest, queryset, decision: Decision
) -> HttpResponse:
    """Send back, cancel, restore or close the selection with one reason.

    The queue's action answers a confirmation page asking for the reason; it
    posts the same action again with the reason (Django's intermediate
    pages), which decides here up to a page of claims, else in the background.
    """
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    spec = BULK_DECISIONS[decision]
    form = BulkReasonForm(
        request.POST if "confirm" in request.POST else None,
        # The label of the claim's page (the comment's, to close at zero).
        label=getattr(
            DECISIONS.get_or_404(decision),
            "reason_label",
            CommentForm.base_fields["comment"].label,
        ),
        help_text=str(REASON_HELP),
        required=spec.reason_required,
    )
    if not form.is_bound or not form.is_valid():
        return _confirm(model_admin, request, ids, decision, form)
    reason = form.cleaned_data["reason"]
    if len(ids) <= IN_REQUEST_LIMIT:
        try:
            outcomes = claims_decide(
                decision=decision, claim_ids=ids, by=request.user, reason=reason
            )
        except ValidationError as problem:
            form.add_error("reason", problem)
            return _confirm(model_admin, request, ids, decision, form)
        return report(model_admin, request, outcomes, decision)
    result = decide_claims.enqueue(
        ids, request.user.pk, translation.get_language(), str(decision), reason
    )
    return _launched(model_admin, request, result, ids, decision)


REASON_HELP = gettext_lazy(
    "Le même pour tous les états de frais sélectionnés ; il est enregistré dans "
    "l'historique de chacun."
)


def _confirm(model_admin, request, ids, decision, form) -> TemplateResponse:
    """The confirmation page: how many claims, the reason for all of them."""
    return TemplateResponse(
        request,
        CONFIRM,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title(decision),
            "count": len(ids),
            "ids": ids,
            "action": request.POST.get("action", ""),
            "button": DECISIONS.get_or_404(decision).title,
            "form": form,
        },
    )


def _launched(model_admin, request, result: TaskResult, ids, decision) -> HttpResponse:
    """A run handed to the worker: its report at once if it ran already
    (development), else the page following it."""
    if result.status == TaskResultStatus.SUCCESSFUL:
        return report(model_admin, request, _outcomes(result.return_value), decision)
    if result.status == TaskResultStatus.FAILED:
        messages.error(request, failed_text(decision))
        return redirect("admin:claims_claim_changelist")
    if decision == Decision.APPROVE:
        launched = ngettext(
            "Validation de %(n)d état de frais lancée.",
            "Validation de %(n)d états de frais lancée.",
            len(ids),
        )
    else:
        launched = ngettext(
            "Traitement de %(n)d état de frais lancé.",
            "Traitement de %(n)d états de frais lancé.",
            len(ids),
        )
    messages.info(request, launched % {"n": len(ids)})
    return redirect("admin:claims_claim_bulk_approval", result.id)


def failed_text(decision: Decision) -> str:
    if decision == Decision.APPROVE:
        return _(
            "La validation s'est arrêtée en cours de route : les états de frais "
            "déjà validés le restent ; relancez-la pour les autres."
        )
    return _(
        "Le traitement s'est arrêté en cours de route : les états de frais déjà "
        "traités le restent ; relancez-le pour les autres."
    )


def _outcomes(rows: Iterable[Sequence] | None) -> list[Outcome]:
    return [
        Outcome(int(claim_id), bool(ok), str(text)) for claim_id, ok, text in rows or []
    ]


def report(model_admin, request: HttpRequest, outcomes: list[Outcome], decision):
    """Each selected claim, its participant and what became of it."""
    claims = Claim.objects.select_related("assignment__participant").in_bulk(
        [outcome.claim_id for outcome in outcomes]
    )
    rows = [
        {
            "pk": outcome.claim_id,
            "participant": (
                claims[outcome.claim_id].assignment.participant
                if outcome.claim_id in claims
                else "—"
            ),
            "ok": outcome.ok,
            "text": outcome.text,
        }
        for outcome in outcomes
    ]
    done = sum(1 for outcome in outcomes if outcome.ok)
    return TemplateResponse(
        request,
        REPORT,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title(decision),
            "validation": decision == Decision.APPROVE,
            "outcomes": rows,
            "done": done,
            "refused": len(outcomes) - done,
        },
    )


def _task_result(result_id: UUID) -> TaskResult:
    """The run in the background named `result_id`: a validation or another
    decision; Http404 if there is none."""
    for run in (approve_claims, decide_claims):
        try:
            return run.get_result(str(result_id))
        except TaskResultMismatch:
            continue
        except TaskResultDoesNotExist:
            break
    raise Http404


def progress_view(model_admin, request: HttpRequest, result_id: UUID) -> HttpResponse:
    """A run in the background: where it stands, then its report.

    Only the manager who launched it follows it: the report names
    participants, and another manager's selection is none of theirs."""
    if not model_admin.has_decide_permission(request):
        raise PermissionDenied
    # A backend running tasks at once (development, tests) keeps no result:
    # its runs were reported at once, there is nothing to follow.
    if not approve_claims.get_backend().supports_get_result:
        raise Http404
    result = _task_result(result_id)
    # Both tasks start with these three (`bulk_decisions.decide_claims`).
    claim_ids, manager_id, _language, *decided = result.args
    if manager_id != request.user.pk:
        raise Http404
    decision = Decision(decided[0]) if decided else Decision.APPROVE
    if result.status == TaskResultStatus.SUCCESSFUL:
        return report(model_admin, request, _outcomes(result.return_value), decision)
    manager = User.objects.get(pk=manager_id)
    action = BULK_DECISIONS[decision].action if decided else APPROVED_ACTION
    done = (
        approved_so_far(claim_ids, manager, result.enqueued_at, action)
        if result.enqueued_at is not None
        else 0
    )
    failed = result.status == TaskResultStatus.FAILED
    return TemplateResponse(
        request,
        PROGRESS,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title(decision),
            "validation": decision == Decision.APPROVE,
            "total": len(claim_ids),
            "done": done,
            "waiting": result.status == TaskResultStatus.READY,
            "failed": failed_text(decision) if failed else "",
        },
    )


def _decision_action(decision: Decision, name: str, description: StrOrPromise):
    """The queue's action taking `decision` on the selected claims."""

    def act(model_admin, request, queryset):
        return decide_selected(model_admin, request, queryset, decision)

    act.__name__ = name
    return admin.action(description=description, permissions=["decide"])(act)


# The queue's actions for the decisions taken with one reason for all
# (`ClaimAdmin.actions`), in the claim page's order.
DECISION_ACTIONS = [
    _decision_action(decision, name, description)
    for decision, name, description in (
        (Decision.RETURN, "return_selected", gettext_lazy("Renvoyer pour correction")),
        (
            Decision.CLOSE,
            "close_selected",
            gettext_lazy("Clore : mission non effectuée (montant nul)"),
        ),
        (Decision.CANCEL, "cancel_selected", gettext_lazy("Annuler")),
        (Decision.RESTORE, "restore_selected", gettext_lazy("Rétablir")),
    )
]
