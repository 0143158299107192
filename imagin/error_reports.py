"""Error reports to Sentry (when SENTRY_DSN is set), without personal data.

What the SDK would collect about a request is switched off at the source
(`data_collection`, sentry-sdk 3): no cookies, bodies, query strings, local
variables, database query parameters; headers only from a short list. Then
`scrub` goes over each event before it leaves: the user reduced to their id,
the request to its method, address without query and harmless headers, and
any e-mail address, IBAN or social security number left in a message (an
exception's text) replaced. Traces and profiles are off: errors only.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from imagin.logs import current_request_id

if TYPE_CHECKING:
    # sentry-sdk's public type names, for the checker only (they are Any at
    # run time).
    from sentry_sdk.types import DataCollectionUserOptions, Event, Hint

FILTERED = "[Filtered]"
# Headers worth seeing in a report, none of them identifying anyone.
KEPT_HEADERS = (
    "accept",
    "accept-language",
    "content-length",
    "content-type",
    "host",
    "user-agent",
    "x-request-id",
)
# Keys whose values are replaced wherever free-form data is attached (extra
# data, breadcrumbs), on top of sentry-sdk's own list (auth, token, secret,
# password, key, session, csrf...).
SENSITIVE_KEYS = (
    "iban",
    "bic",
    "nir",
    "password",
    "oldpassword",
    "token",
    "key",
    "secret",
    "email",
    "mail",
    "cookie",
    "authorization",
    "sealed",
    "social_security",
    "phone",
    "address",
    "birth",
)
PERSONAL_TEXT = re.compile(
    # E-mail addresses.
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    # IBANs, grouped by four or not (FR76 3000 6000 0112 3456 7890 189).
    r"|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"
    # French social security numbers (NIR), with or without spaces.
    r"|\b[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3}(?: ?\d{2})?\b"
)
IGNORED_LOGGERS = ("imagin.request", "imagin.task")


def _is_sensitive(key: object) -> bool:
    return isinstance(key, str) and any(part in key.lower() for part in SENSITIVE_KEYS)


def _scrub_text(value: Any) -> Any:
    """Personal data in free text replaced, recursively through containers;
    values under a sensitive key replaced entirely."""
    if isinstance(value, str):
        return PERSONAL_TEXT.sub(FILTERED, value)
    if isinstance(value, dict):
        return {
            key: FILTERED if _is_sensitive(key) else _scrub_text(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_scrub_text(item) for item in value]
    return value


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    if isinstance(request.get("url"), str):
        kept["url"] = request["url"].split("?", 1)[0].split("#", 1)[0]
    if request.get("method"):
        kept["method"] = request["method"]
    headers = request.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {
            name: value
            for name, value in headers.items()
            if isinstance(name, str) and name.lower() in KEPT_HEADERS
        }
    # Left out: cookies, data (the body), query_string, env (the client's
    # address), and anything a later SDK might add.
    return kept


def scrub(event: Event, hint: Hint) -> Event:
    """`before_send`: what leaves for Sentry, with the request id to find the
    logs of the same request (or task)."""
    if "request" in event and isinstance(event["request"], dict):
        event["request"] = _scrub_request(event["request"])
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if user.get("id") else {}
    for exception in (event.get("exception") or {}).get("values", []):
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            # Local variables, should the SDK ever collect them again.
            frame.pop("vars", None)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        for crumb in breadcrumbs.get("values", []):
            # Outgoing addresses (with their query), SQL parameters: dropped.
            crumb.pop("data", None)
    rid = current_request_id()
    if rid != "-":
        event.setdefault("tags", {})["request_id"] = rid
    # Last: the messages, exception texts and everything else.
    return _scrub_text(event)


def data_collection() -> DataCollectionUserOptions:
    """What sentry-sdk collects by itself (sentry-sdk 3's `data_collection`)."""
    return {
        # Needed for the user's id (the rest is dropped by `scrub`).
        "user_info": True,
        "cookies": {"mode": "off"},
        "http_headers": {"request": {"mode": "allowlist", "terms": list(KEPT_HEADERS)}},
        "http_bodies": [],
        "url_query_params": {"mode": "off"},
        "database_query_data": False,
        "queues": False,
        # A local variable's name says nothing of what it holds: a claim
        # prints its participant's name, a form its fields.
        "stack_frame_variables": False,
        "gen_ai": {"inputs": False, "outputs": False},
    }


def init_sentry(
    dsn: str,
    *,
    environment: str,
    release: str | None,
    transport: Any = None,
) -> None:
    """Start reporting errors to Sentry. `transport` (a sentry_sdk Transport)
    lets tests capture the events instead of sending them."""
    # Loaded only when SENTRY_DSN is set: the settings import this module.
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import (
        LoggingIntegration,
        ignore_logger_for_events,
    )

    # A request's or task's summary line is no error of its own: the
    # exception behind it is reported by the Django integration, or by the
    # logging of the task's failure (django_tasks, at ERROR).
    for name in IGNORED_LOGGERS:
        ignore_logger_for_events(name)
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        transport=transport,
        integrations=[
            DjangoIntegration(),
            # Lines at ERROR become reports; other lines are neither sent
            # (Sentry Logs) nor kept as breadcrumbs: free text from any
            # library may name someone.
            LoggingIntegration(
                level=None, event_level=logging.ERROR, breadcrumb_level=None
            ),
        ],
        data_collection=data_collection(),
        max_request_body_size="never",
        before_send=scrub,
        traces_sample_rate=None,
        profile_session_sample_rate=None,
        # Release health counts sessions per request: not needed.
        auto_session_tracking=False,
        send_client_reports=False,
    )


def stop_sentry() -> None:
    """Close the client and forget it (tests: no later test reports)."""
    # As in init_sentry: only where reporting was started.
    import sentry_sdk

    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)
