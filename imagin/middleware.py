"""What every request and response goes through, beyond Django's own
middleware: security headers, requests no person sends, the absolute session
lifetime, and pages never stored by a cache once signed in."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import ngettext

from imagin import session_timeout
from imagin.http import never_store, read_only
from imagin.session_timeout import REFRESHED_AT
from imagin.text import CONTROL_CHARACTERS
from imagin.views import bad_request

# Everything the site loads comes from itself: no inline script or style, no CDN.
# `data:` images are needed by the DSFR's CSS (icons embedded as data URIs).
# Forms post to the site only; single sign-on's origins are added (below)
# because browsers apply form-action to the redirect that follows a post too:
# "Se connecter avec…" and "Se déconnecter" post here, then redirect there.
CONTENT_SECURITY_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def form_action_origins() -> list[str]:
    """The origins a form's redirect may lead to besides the site: each single
    sign-on provider's (`SSO_PROVIDERS`), and `CSP_FORM_ACTION_ORIGINS`."""
    apps = (
        getattr(settings, "SOCIALACCOUNT_PROVIDERS", {})
        .get("imagin_oidc", {})
        .get("APPS", [])
    )
    urls = [app.get("settings", {}).get("server_url", "") for app in apps]
    urls += getattr(settings, "CSP_FORM_ACTION_ORIGINS", [])
    origins = []
    for url in urls:
        origin = _origin(url)
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def content_security_policy() -> str:
    directives = []
    for directive in CONTENT_SECURITY_POLICY:
        if directive == "form-action 'self'":
            directive = " ".join([directive, *form_action_origins()])
        directives.append(directive)
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Built per response (a few lookups): the providers are settings that
        # tests (and their live server, started once) change.
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy()
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class ControlCharactersMiddleware:
    """Keep control characters in an address or a cookie from the database.

    PostgreSQL refuses a NUL byte in text: a filter or a search passing one on
    answered 500. In a query string (a search box, a filter), they become
    spaces before any view reads them: a teacher who pasted a stray control
    character from a PDF into a search still gets the results, and no view
    has to think about it. No link of the site puts one in a path: such a
    request gets the "bad request" page (400). A cookie holding one (the
    session's, the CSRF token's) is dropped: the visitor goes on with a fresh
    session rather than being locked out by a broken cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, value in list(request.COOKIES.items()):
            if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
                del request.COOKIES[name]
        if CONTROL_CHARACTERS.search(request.path_info):
            return bad_request(request, None)
        if any(
            CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value)
            for key, values in request.GET.lists()
            for value in values
        ):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(
                    CONTROL_CHARACTERS.sub(" ", key),
                    [CONTROL_CHARACTERS.sub(" ", value) for value in values],
                )
            request.GET = read_only(cleaned)
            request.META["QUERY_STRING"] = cleaned.urlencode()
        return self.get_response(request)


# When the current sign-in started (seconds since the epoch), in the session.
SIGNED_IN_AT = "imagin_signed_in_at"


def signed_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """`user_logged_in` receiver: the absolute lifetime counts from here."""
    if hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(timezone.now().timestamp())


class SessionLifetimeMiddleware:
    """Sign out whoever signed in more than `SESSION_ABSOLUTE_LIFETIME`
    seconds ago, however active since, and send them to the sign-in page with
    a message. Placed after the authentication and message middleware.

    It also keeps the idle timeout (SESSION_IDLE_TIMEOUT, the session's age)
    running from the last activity without writing the session at every
    request: a signed-in session is saved again, pushing its expiry back,
    once SESSION_REFRESH_INTERVAL seconds have passed since the last save.
    An idle session so ends between the timeout minus that interval and the
    timeout; a page costs no database write most of the time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._respond(request)
        # The marker that tells an expired session from a sign-out.
        session_timeout.mark(request, response)
        return response

    def _respond(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            session_timeout.notice_expiry(request)
        else:
            now = int(timezone.now().timestamp())
            started = request.session.get(SIGNED_IN_AT)
            if not isinstance(started, int):
                # A session from before this rule, or one signed in without
                # the signal (a test's force_login): it counts from now.
                request.session[SIGNED_IN_AT] = now
            elif now - started >= settings.SESSION_ABSOLUTE_LIFETIME:
                auth.logout(request)
                hours = max(1, round(settings.SESSION_ABSOLUTE_LIFETIME / 3600))
                messages.info(
                    request,
                    ngettext(
                        "Par sécurité, une connexion dure au plus %(hours)d heure : "
                        "la vôtre a pris fin. Reconnectez-vous pour continuer.",
                        "Par sécurité, une connexion dure au plus %(hours)d heures : "
                        "la vôtre a pris fin. Reconnectez-vous pour continuer.",
                        hours,
                    )
                    % {"hours": hours},
                )
                # Back to the page after signing in again; a form posted meanwhile
                # is not replayed (its address may answer POST only).
                then = (
                    request.get_full_path()
                    if request.method in ("GET", "HEAD")
                    else resolve_url(settings.LOGIN_REDIRECT_URL)
                )
                return never_store(redirect_to_login(then))
        response = self.get_response(request)
        if request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            refreshed = request.session.get(REFRESHED_AT)
            if (
                not isinstance(refreshed, int)
                or now - refreshed >= settings.SESSION_REFRESH_INTERVAL
            ):
                # Modified, hence saved by the session middleware with a new
                # expiry (and, were it a dated cookie, a new cookie).
                request.session[REFRESHED_AT] = now
        return response


class NeverStoreSignedInMiddleware:
    """Every response to a signed-in user says `Cache-Control: no-store`.

    Any page seen signed in may show personal data (the name in the header at
    least; claims, bank details, amounts on most): one rule here, rather than
    a decorator on each view, cannot be forgotten by the next view. Public
    pages seen signed out (home, guide) stay cacheable; static files never
    reach this middleware (WhiteNoise answers them first). Files get the same
    headers from `imagin.http.private_file_response` whoever asks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            never_store(response)
        return response
