"""The home page: what IMAG'IN is, and, once signed in, what waits for the
participant (claims to complete or sent back, documents, the financial
file, the next mission)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from claims.waiting import waiting_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    waiting = waiting_for(user) if user.is_authenticated else None
    return render(request, "home.html", {"waiting": waiting})
