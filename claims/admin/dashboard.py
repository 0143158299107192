"""The dashboard on the back-office home page (`claims.dashboard`).

The admin site is Django's default one, already adjusted in
`accounts/admin/__init__.py`; its home view is wrapped here to add the dashboard of
the chosen session (`?session=<id>`, the current one by default) and the work
queues the manager follows, each with its count (`claims.admin.work_queues`).
"""

from __future__ import annotations

from django.contrib import admin

from claims.admin.work_queues import dashboard_queues
from claims.dashboard import dashboard

_site_index = admin.site.index


def index_with_dashboard(request, extra_context=None):
    session = request.GET.get("session", "")
    chosen = int(session) if session.isascii() and session.isdigit() else None
    board = dashboard(chosen)
    context = {"dashboard": board, "work_queues": dashboard_queues(request)}
    return _site_index(request, {**context, **(extra_context or {})})


# Django's default site adjusted in place (see accounts/admin/__init__.py):
# mypy refuses any assignment to a method, hence the ignore.
admin.site.index = index_with_dashboard  # type: ignore[method-assign]
admin.site.index_template = "admin/claims/dashboard_index.html"
