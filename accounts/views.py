"""Views of the accounts app."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def back_office_login(request: HttpRequest) -> HttpResponse:
    """Stand in for the admin's own login page.

    The back-office has no sign-in of its own, so it cannot bypass the site's
    rate limits: visitors are sent to the one sign-in page, and signed-in users
    without a back-office role are refused rather than sent round in a loop.
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    return redirect_to_login(next_url, login_url=reverse("account_login"))
