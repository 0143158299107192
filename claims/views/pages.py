"""The participant's claim pages around the entry: "Saisie états de frais
mission", a claim read-only, "mission non effectuée", validation, supporting
documents and the recap PDFs. Only one's own claims (404 otherwise); every
change goes through one service of `claims.services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import FinancialFile
from claims import flow, history, recap, selectors, services, steps, tracker
from claims.forms import DocumentForm, NotPerformedForm
from claims.models import SupportingDocument
from claims.services import ClaimChanged
from claims.steps.summary import SummaryStep
from claims.views.common import own_claim, posted_version
from imagin.http import private_file_response
from missions.models import ExamSession

# ------------------------------------------------------------------ list


# Enough for a session's missions on one screen; the list's cost (queries,
# pricing, page weight) no longer grows with a participant's history.
CLAIMS_PER_PAGE = 20


def _pages_list(page: Page) -> list[int | str]:
    """The page numbers the DSFR pagination shows: the first two, the last two
    and the current one's neighbours, "…" for each gap of more than one page.
    (dsfr.utils.list_pages orders them through a set, which breaks past 32.)"""
    last = page.paginator.num_pages
    shown = sorted(
        {1, 2, page.number - 1, page.number, page.number + 1, last - 1, last}
        & set(range(1, last + 1))
    )
    items: list[int | str] = []
    previous = 0
    for number in shown:
        if number - previous == 2:
            items.append(number - 1)
        elif number - previous > 2:
            items.append("…")
        items.append(number)
        previous = number
    return items


@login_required
@require_GET
def claim_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The sessions of one's claims, each with its number of them: the filter's
    # choices and the paginator's count in one query.
    sessions = list(
        ExamSession.objects.filter(
            exams__missions__assignments__participant=request.user,
            exams__missions__assignments__claim__isnull=False,
        )
        .annotate(claim_count=Count("exams__missions__assignments__claim"))
        .order_by("-year", "-pk")
    )
    chosen = next(
        (s for s in sessions if str(s.pk) == request.GET.get("session", "")), None
    )
    # Paginated before pricing: only the page's claims are fetched and totalled.
    paginator = Paginator(
        selectors.participant_claims(request.user, chosen.pk if chosen else None),
        CLAIMS_PER_PAGE,
    )
    # Counted above: the paginator's count (a cached property) asks no query.
    paginator.count = (
        chosen.claim_count if chosen else sum(s.claim_count for s in sessions)
    )
    # get_page turns a page past the end into the last one and anything not a
    # number into the first: a stale or hand-typed link never fails.
    page = paginator.get_page(request.GET.get("page"))
    # An attribute {% dsfr_pagination %} reads, not one Django's Page declares.
    page.pages_list = _pages_list(page)  # type: ignore[attr-defined]
    now = timezone.now()
    return render(
        request,
        "claims/claim_list.html",
        {
            "rows": [
                (
                    row,
                    flow.participant_status(row.claim, now),
                    flow.participant_badge(row.claim, now),
                    flow.participant_next_step(row.claim, now),
                )
                for row in selectors.claim_totals(request.user, page.object_list)
            ],
            "page_obj": page,
            "sessions": sessions,
            "chosen": chosen,
        },
    )


# ---------------------------------------------------------------- detail


@login_required
@require_GET
def claim_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An open claim resumes at its first incomplete step; any other is shown
    read-only with the reason, its amounts, documents and history."""
    claim = own_claim(request, pk, "documents")
    refusal = flow.entry_closed_reason(claim)
    if not refusal:
        return redirect("claims:step", claim.pk, steps.current_step(claim).identifier)
    financial_file = FinancialFile.objects.filter(user=request.user).first()
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "refusal": refusal,
            "amounts": selectors.claim_amounts(claim),
            "history": history.claim_history(claim),
            "documents_open": claim.status in services.DOCUMENTS_OPEN,
            "to_send": flow.documents_to_send(claim, financial_file),
            "document_form": DocumentForm(),
            "status_label": flow.participant_status(claim),
            "tracker": tracker.tracker(claim, financial_file),
        },
    )


# --------------------------------------------------------- transitions


@login_required
def claim_not_performed(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm, with an optional comment, that the mission was not performed."""
    claim = own_claim(request, pk)
    if flow.entry_closed_reason(claim):
        return redirect("claims:detail", claim.pk)
    form = NotPerformedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_declare_not_performed(
                claim=claim,
                by=request.user,
                version=posted_version(request),
                comment=form.cleaned_data["comment"],
            )
        except ClaimChanged:
            messages.warning(
                request,
                _("Cet état de frais a été modifié entre-temps : confirmez à nouveau."),
            )
            claim = own_claim(request, pk)
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
def claim_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    claim = own_claim(request, pk)
    try:
        _claim, submitted = services.claim_submit(
            claim=claim, by=request.user, version=posted_version(request)
        )
    except ClaimChanged:
        messages.warning(
            request,
            _(
                "Cet état de frais a été modifié entre-temps : relisez le "
                "récapitulatif ci-dessous, puis validez à nouveau."
            ),
        )
        return redirect("claims:step", claim.pk, SummaryStep.identifier)
    except ValidationError as refused:
        if flow.entry_closed_reason(claim):
            messages.error(request, " ".join(refused.messages))
            return redirect("claims:detail", claim.pk)
        messages.error(
            request,
            _("Votre état de frais ne peut pas encore être validé : %s")
            % " ".join(refused.messages),
        )
        return redirect("claims:step", claim.pk, SummaryStep.identifier)
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
def document_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    claim = own_claim(request, pk)
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
        % " ".join(str(error) for errors in form.errors.values() for error in errors),
    )
    return redirect("claims:detail", claim.pk)


@login_required
@require_GET
def document_download(request: AuthenticatedHttpRequest, pk: int, document_pk: int):
    claim = own_claim(request, pk)
    document = get_object_or_404(SupportingDocument, pk=document_pk, claim=claim)
    return private_file_response(
        document.file.open("rb"),
        filename=document.original_name,
        content_type=document.content_type,
    )


# ------------------------------------------------------------------ PDFs


def _pdf(filename: str, content: bytes) -> HttpResponseBase:
    return private_file_response(
        content, filename=filename, content_type="application/pdf"
    )


@login_required
@require_GET
def claim_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    claim = own_claim(request, pk)
    return _pdf(*recap.claim_recap_pdf(claim))


@login_required
@require_GET
def session_recap_pdf(
    request: AuthenticatedHttpRequest, session_pk: int
) -> HttpResponseBase:
    session = get_object_or_404(ExamSession, pk=session_pk)
    rows = selectors.claims_for_participant(request.user, session.pk)
    if not rows:
        raise Http404
    return _pdf(*recap.session_recap_pdf(request.user, session, rows))
