"""The idle timeout as people live it: warned before it ends, able to stay
signed in, told when it has ended, and nothing they typed lost.

- While signed in, the browser holds a marker cookie (`SIGNED_IN_COOKIE`, no
  personal data, gone when the browser closes). A request that arrives
  signed out with it means the session ended without a sign-out: the
  sign-in page then says the session expired (`SessionLifetimeMiddleware`
  calls `notice_expiry` and `mark`).
- Pages of a signed-in person carry a dialog (templates/partials/
  _session_timeout.html, static/imagin/session-timeout.js) that opens a few
  minutes before the timeout and offers to stay signed in: `keep_alive`
  saves the session again, which pushes its expiry back.
- Claim steps keep what is typed in the browser until the server has saved
  it (static/imagin/draft-keeper.js): after signing in again, the person
  finds the step as they had typed it.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

# Present while signed in in this browser; its value says nothing.
SIGNED_IN_COOKIE = "imagin_signed_in"
# The address of the claim step just saved, for the script (so not HttpOnly).
DRAFT_SAVED_COOKIE = "imagin_draft_saved"
# The session's last save for its idle timeout (SessionLifetimeMiddleware).
REFRESHED_AT = "imagin_refreshed_at"
# The dialog opens this long before the timeout (or at half of it, if shorter).
WARNING_SECONDS = 5 * 60


def seconds_left() -> int:
    """How long an idle session has left from now, at the least: the session
    may have been saved up to SESSION_REFRESH_INTERVAL seconds ago."""
    return settings.SESSION_COOKIE_AGE - settings.SESSION_REFRESH_INTERVAL


def warning_seconds() -> int:
    return min(WARNING_SECONDS, seconds_left() // 2)


def notice_expiry(request: HttpRequest) -> None:
    """Called for a request that is not signed in: if this browser was, its
    session expired; say so once (the marker is removed by `mark`)."""
    if request.COOKIES.get(SIGNED_IN_COOKIE) and hasattr(request, "_messages"):
        minutes = max(1, round(settings.SESSION_COOKIE_AGE / 60))
        messages.warning(
            request,
            _(
                "Votre session a expiré après %(minutes)d minutes sans activité. "
                "Reconnectez-vous : sur les états de frais, ce que vous aviez "
                "saisi sans l'enregistrer vous sera proposé de nouveau."
            )
            % {"minutes": minutes},
        )


def mark(request: HttpRequest, response: HttpResponse) -> None:
    """Sets the marker while signed in, removes it once signed out (by a
    sign-out, or after `notice_expiry` told of an expiry)."""
    signed_in = request.user.is_authenticated
    marked = bool(request.COOKIES.get(SIGNED_IN_COOKIE))
    if signed_in and not marked:
        response.set_cookie(
            SIGNED_IN_COOKIE,
            "1",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    elif not signed_in and marked:
        response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")


def draft_saved(response: HttpResponse, path: str) -> None:
    """Tells the browser that what was typed on the page at `path` is saved:
    draft-keeper.js drops its copy (a short cookie it reads, then deletes)."""
    response.set_cookie(
        DRAFT_SAVED_COOKIE,
        path,
        max_age=60,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Rester connecté(e)": the session is saved now, its idle timeout
    starting again. The dialog's script asks for JSON; without the script,
    the form posts and comes back to the page it was on."""
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse({"signed_in": False}, status=401)
        return redirect_to_login(_safe_next(request))
    # Modified, hence saved with a new expiry by the session middleware.
    request.session[REFRESHED_AT] = int(time.time())
    if _wants_json(request):
        return JsonResponse({"signed_in": True, "seconds_left": seconds_left()})
    messages.success(request, _("Votre session est prolongée."))
    return redirect(_safe_next(request))
