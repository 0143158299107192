"""Everyone's yearly statements of payments, produced by the division in one
background job (`claims.statements.produce_statements`).

A manager who pays (`claims.add_paymentbatch`) chooses a year with payments;
the worker lays out the statement of every participant paid that year into
one ZIP in private storage. The manager lands on a page following it
(statements produced so far out of N) that becomes the report, with the ZIP
to download, when the worker is done; a backend running tasks at once
(development) gives the report straight away. As for the bulk validation
(`claims.admin.bulk`), the task result holds what the page needs, and only
the manager who launched the job follows it and downloads its ZIP: it holds
everyone's personal data. The launch, the ZIP ready and each download leave
an audit event. The ZIP is purged after `EXPORT_RETENTION_HOURS`
(`imagin.export_retention`): its download then says so.

The progress page never reloads itself (RGAA 13.1): `static/imagin/progress.js`
asks for it again every few seconds and replaces only its status; without the
script, an "Actualiser" link does the same.

These pages belong to no model: their URLs are added to the back-office's
(the site's `get_urls`, wrapped here as `claims.admin.dashboard` wraps its
home page).
"""

from __future__ import annotations

import re
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.storage import private_storage
from claims import statements
from claims.models import PaymentBatch, PaymentBatchStatus
from imagin.audit import AuditEvent, audit_log
from imagin.export_retention import gone_page, open_kept, statements_gone_text
from imagin.http import private_file_response

LAUNCH = "admin/claims/statement_launch.html"
PROGRESS = "admin/claims/statement_progress.html"
REPORT = "admin/claims/statement_result.html"
TITLE = gettext_lazy("Attestations annuelles de paiement")
READY_ACTION = "claims.statements.ready"
# The ZIP's name in storage (`statements.statements_zip`): its key is a UUID.
_ZIP_NAME = re.compile(r"^statements/(\d{4})/attestations-\d{4}-([0-9a-f]{32})\.zip$")


def may_produce(request: HttpRequest) -> bool:
    """Managers who pay: the statements hold everyone's payments."""
    user = request.user
    return not isinstance(user, AnonymousUser) and user.has_perm(
        "claims.add_paymentbatch"
    )


def _context(request: HttpRequest, **values) -> dict:
    return {
        **admin.site.each_context(request),
        "opts": PaymentBatch._meta,
        "title": TITLE,
        **values,
    }


def paid_years() -> list[int]:
    """The years in which a batch was paid, the latest first."""
    dates = PaymentBatch.objects.filter(
        status=PaymentBatchStatus.PAID, paid_at__isnull=False
    ).dates("paid_at", "year", order="DESC")
    return [day.year for day in dates if statements.valid_year(day.year)]


class YearForm(forms.Form):
    year = forms.TypedChoiceField(
        label=gettext_lazy("Année des paiements"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choisissez une année."),
            "invalid_choice": gettext_lazy(
                "Choisissez une des années proposées : aucun lot n'a été payé "
                "l'année indiquée."
            ),
        },
    )

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(year, str(year)) for year in years]


def launch_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose a year and start the job (or run it at once, in development)."""
    if not may_produce(request):
        raise PermissionDenied
    years = paid_years()
    form = YearForm(
        request.POST if request.method == "POST" else None,
        years=years,
        initial={"year": years[0] if years else None},
    )
    if request.method == "POST" and form.is_valid():
        year: int = form.cleaned_data["year"]
        manager = request.user
        audit_log(
            actor=manager,
            action=statements.JOB_ACTION,
            target=manager,
            data={
                "year": year,
                "participants": len(statements.participants_paid(year)),
            },
        )
        result = statements.produce_statements.enqueue(
            year, manager.pk, translation.get_language()
        )
        if result.status == TaskResultStatus.SUCCESSFUL:  # run at once
            return report(request, year, result.return_value)
        if result.status == TaskResultStatus.FAILED:
            messages.error(request, failed_text())
            return redirect("admin:claims_statements")
        messages.info(
            request,
            _("Production des attestations de %(year)d lancée.") % {"year": year},
        )
        return redirect("admin:claims_statements_progress", result.id)
    return TemplateResponse(
        request,
        LAUNCH,
        _context(request, form=form, years=years),
        status=400 if form.is_bound else 200,
    )


def failed_text() -> str:
    return _(
        "La production des attestations s'est arrêtée en cours de route : relancez-la."
    )


def report(request: AuthenticatedHttpRequest, year: int, value: object) -> HttpResponse:
    """The job is done: how many statements, and the ZIP to download."""
    produced = value if isinstance(value, dict) else {}
    match = _ZIP_NAME.match(str(produced.get("file", "")))
    if match is None:
        raise Http404
    manager = request.user
    # Recorded once per ZIP, whoever shows the report first: the download
    # checks it names the asking manager.
    if not AuditEvent.objects.filter(
        action=READY_ACTION, actor=manager, data__file=match.group(0)
    ).exists():
        audit_log(
            actor=manager,
            action=READY_ACTION,
            target=manager,
            data={"year": year, "file": match.group(0), "count": produced["count"]},
        )
    return TemplateResponse(
        request,
        REPORT,
        _context(request, year=year, count=produced["count"], key=match.group(2)),
    )


def progress_view(request: AuthenticatedHttpRequest, result_id: UUID) -> HttpResponse:
    """The job in the background: where it stands, then its report. Only the
    manager who launched it follows it."""
    if not may_produce(request):
        raise PermissionDenied
    task = statements.produce_statements
    # A backend running tasks at once keeps no result: there is nothing to follow.
    if not task.get_backend().supports_get_result:
        raise Http404
    try:
        result = task.get_result(str(result_id))
    except (TaskResultDoesNotExist, TaskResultMismatch):
        raise Http404 from None
    year, manager_id, _language = result.args
    if manager_id != request.user.pk:
        raise Http404
    if result.status == TaskResultStatus.SUCCESSFUL:
        return report(request, year, result.return_value)
    total = len(statements.participants_paid(year))
    done = (
        statements.produced_so_far(
            year, User.objects.get(pk=manager_id), result.enqueued_at
        )
        if result.enqueued_at is not None
        else 0
    )
    failed = result.status == TaskResultStatus.FAILED
    return TemplateResponse(
        request,
        PROGRESS,
        _context(
            request,
            year=year,
            total=total,
            done=min(done, total),
            waiting=result.status == TaskResultStatus.READY,
            failed=failed_text() if failed else "",
        ),
    )


def download_view(
    request: AuthenticatedHttpRequest, year: int, key: str
) -> HttpResponseBase:
    """The ZIP of a job this manager launched; each download is audited."""
    if not may_produce(request):
        raise PermissionDenied
    if not re.fullmatch(r"[0-9a-f]{32}", key) or not statements.valid_year(year):
        raise Http404
    name = f"statements/{year}/attestations-{year}-{key}.zip"
    manager = request.user
    ready = AuditEvent.objects.filter(
        action=READY_ACTION, actor=manager, data__file=name
    ).exists()
    if not ready:
        raise Http404
    content = open_kept(private_storage(), name)
    if content is None:  # purged (imagin.export_retention)
        back = _context(request, back_url=reverse("admin:claims_statements"))
        return gone_page(request, back, statements_gone_text())
    audit_log(
        actor=manager,
        action=statements.DOWNLOAD_ACTION,
        target=manager,
        data={"year": year, "file": name},
    )
    return private_file_response(
        content,
        filename=f"attestations-paiement-{year}.zip",
        content_type="application/zip",
    )


_site_get_urls = admin.site.get_urls


def get_urls_with_statements():
    wrap = admin.site.admin_view
    return [
        path(
            "claims/attestations/",
            wrap(launch_view),
            name="claims_statements",
        ),
        path(
            "claims/attestations/suivi/<uuid:result_id>/",
            wrap(require_GET(progress_view)),
            name="claims_statements_progress",
        ),
        path(
            "claims/attestations/<int:year>/<str:key>/",
            wrap(require_GET(download_view)),
            name="claims_statements_download",
        ),
        *_site_get_urls(),
    ]


# Django's default site adjusted in place (see claims/admin/dashboard.py):
# mypy refuses any assignment to a method, hence the ignore.
admin.site.get_urls = get_urls_with_statements  # type: ignore[method-assign]
