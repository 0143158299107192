"""« Mes attestations de paiement »: the years in which the participant was
paid, each with its yearly statement as a PDF (`claims.statements`). Only
one's own: the statement is built from the signed-in user's claims, a year
with nothing paid to them answers 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from claims import statements
from imagin.http import private_file_response


@login_required
@require_GET
def statement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "claims/statements.html",
        {"years": statements.years_paid(request.user)},
    )


@login_required
@require_GET
def statement_pdf(request: AuthenticatedHttpRequest, year: int) -> HttpResponseBase:
    statement = statements.statement_for(request.user, year)
    if statement is None:
        raise Http404
    return private_file_response(
        statements.statement_pdf(statement),
        filename=statement.filename,
        content_type="application/pdf",
    )
