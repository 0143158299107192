"""The queue's "validate the selected claims" action and its report.

Up to `IN_REQUEST_LIMIT` claims (a page of the queue) are validated inside
the request, set-based (`claims.services.bulk_review`), and the report
follows at once: a fraction of a second, and the manager reads each claim's
outcome without another page. A larger selection ("select all") goes to the
background worker: the manager lands on a page following it (validated so
far out of N) that becomes the same report when the worker is done. The
worker's task result (django-tasks) holds the selection and the outcomes, so
no table of runs is needed; a backend running tasks at once (development)
gives the report straight away.

The progress page never reloads itself (RGAA 13.1): a local script asks for
it again every few seconds and replaces only its status, which is announced
politely; without the script, an "Actualiser" link does the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from claims.models import Claim
from claims.services.bulk_review import (
    Outcome,
    approve_claims,
    approved_so_far,
    claims_approve,
)

# A page of the queue (`ClaimAdmin.list_per_page`) stays in the request.
IN_REQUEST_LIMIT = 50
REPORT = "admin/claims/claim/bulk_result.html"
PROGRESS = "admin/claims/claim/bulk_progress.html"
TITLE = gettext_lazy("Validation des états de frais sélectionnés")


def approve_selected(
    model_admin, request: AuthenticatedHttpRequest, queryset
) -> HttpResponse:
    """Validate the selection here, or hand it to the worker and follow it."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    if len(ids) <= IN_REQUEST_LIMIT:
        return report(
            model_admin, request, claims_approve(claim_ids=ids, by=request.user)
        )
    result = approve_claims.enqueue(ids, request.user.pk, translation.get_language())
    if result.status == TaskResultStatus.SUCCESSFUL:  # run at once (development)
        return report(model_admin, request, _outcomes(result.return_value))
    if result.status == TaskResultStatus.FAILED:
        messages.error(request, failed_text())
        return redirect("admin:claims_claim_changelist")
    messages.info(
        request,
        ngettext(
            "Validation de %(n)d état de frais lancée.",
            "Validation de %(n)d états de frais lancée.",
            len(ids),
        )
        % {"n": len(ids)},
    )
    return redirect("admin:claims_claim_bulk_approval", result.id)


def failed_text() -> str:
    return _(
        "La validation s'est arrêtée en cours de route : les états de frais déjà "
        "validés le restent ; relancez-la pour les autres."
    )


def _outcomes(rows: Iterable[Sequence] | None) -> list[Outcome]:
    return [
        Outcome(int(claim_id), bool(ok), str(text)) for claim_id, ok, text in rows or []
    ]


def report(model_admin, request: HttpRequest, outcomes: list[Outcome]):
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
            "title": TITLE,
            "outcomes": rows,
            "done": done,
            "refused": len(outcomes) - done,
        },
    )


def progress_view(model_admin, request: HttpRequest, result_id: UUID) -> HttpResponse:
    """A validation in the background: where it stands, then its report.

    Only the manager who launched it follows it: the report names
    participants, and another manager's selection is none of theirs."""
    if not model_admin.has_decide_permission(request):
        raise PermissionDenied
    # A backend running tasks at once (development, tests) keeps no result:
    # its validations were reported at once, there is nothing to follow.
    if not approve_claims.get_backend().supports_get_result:
        raise Http404
    try:
        result = approve_claims.get_result(str(result_id))
    except (TaskResultDoesNotExist, TaskResultMismatch):
        raise Http404 from None
    claim_ids, manager_id, _language = result.args
    if manager_id != request.user.pk:
        raise Http404
    if result.status == TaskResultStatus.SUCCESSFUL:
        return report(model_admin, request, _outcomes(result.return_value))
    manager = User.objects.get(pk=manager_id)
    done = (
        approved_so_far(claim_ids, manager, result.enqueued_at)
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
            "title": TITLE,
            "total": len(claim_ids),
            "done": done,
            "waiting": result.status == TaskResultStatus.READY,
            "failed": failed_text() if failed else "",
        },
    )
