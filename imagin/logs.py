"""One log line per HTTP request and per background task, each carrying an id.

Every line written while a request (or a task) runs carries its id, so the
lines of one request can be found together, and the id a visitor quotes (the
`X-Request-ID` response header) leads to them. Lines name the user by their
id only: never a name, an e-mail address or anything typed into a form; a
request's path is logged without its query string (searches hold names).

`settings.LOGGING = logging_config(...)` writes plain text, or one JSON object
per line (LOG_FORMAT=json) for a log collector.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished
from django.utils.functional import empty
from pythonjsonlogger.json import JsonFormatter

if TYPE_CHECKING:  # settings import this module: nothing of Django's HTTP yet
    from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy in front is kept only if it cannot forge a log line
# (no spaces, quotes or line breaks) nor flood it.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
NO_ID = "-"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_PATH = 500

# The id of the request or task the current thread (or coroutine) works for.
request_id: ContextVar[str] = ContextVar("imagin_request_id", default=NO_ID)

request_logger = logging.getLogger("imagin.request")
task_logger = logging.getLogger("imagin.task")


def current_request_id() -> str:
    return request_id.get()


def _incoming_request_id(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _user_id(request: HttpRequest) -> str:
    """The signed-in user's id, or "-".

    `request.user` is missing when a middleware before authentication answered
    (a static file, a malformed address); it is a lazy object that loads the
    session and the user when first read. Something in the request (the
    middleware after authentication) has always read it already; if nothing
    did, the log does not look the user up: a database query, or an error if
    the database is what failed, only for a log line.
    """
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return NO_ID
    if not user.is_authenticated:
        return NO_ID
    return str(user.pk)


class RequestLogMiddleware:
    """First in MIDDLEWARE: gives each request an id and logs one line for it.

    The line is written once the response is ready (Django has already turned
    an exception into a 500 by then), on the "imagin.request" logger: INFO
    below 500, ERROR from 500, so that LOG_LEVEL=ERROR keeps only the
    requests the server failed. The duration is the time taken to build the
    response; a streamed file's sending is not counted.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_finished.connect(
            forget_request_id, dispatch_uid="imagin_logs_forget_request_id"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = _incoming_request_id(request)
        # Views may show it (an error page: "quote this reference") with
        # current_request_id().
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except BaseException:
            # Django answers a view's exception with a 500 before it gets
            # here; only an error in Django itself still escapes.
            _log_request(request, 500, started)
            request_id.reset(token)
            raise
        response[REQUEST_ID_HEADER] = rid
        _log_request(request, response.status_code, started)
        # The id stays until the response is closed (`forget_request_id`):
        # Django logs a 4xx or 5xx answer ("Not Found: ...") after the
        # middleware returned, and that line belongs to the request too.
        return response


def forget_request_id(**kwargs: Any) -> None:
    """`request_finished` receiver: lines written between requests carry no id.
    (Under ASGI each request has its own context anyway.)"""
    request_id.set(NO_ID)


def _loggable_path(request: HttpRequest) -> str:
    """The path, control characters escaped: a line break in an address must
    not start a forged line (this middleware runs before the one refusing
    them)."""
    return CONTROL_CHARACTERS.sub(
        lambda found: f"\\x{ord(found.group()):02x}", request.path[:MAX_PATH]
    )


def _log_request(request: HttpRequest, status: int, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    user_id = _user_id(request)
    path = _loggable_path(request)
    request_logger.log(
        logging.ERROR if status >= 500 else logging.INFO,
        "%s %s %s %sms user=%s",
        request.method,
        path,
        status,
        duration_ms,
        user_id,
        extra={
            "method": request.method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": user_id,
        },
    )


class RequestIdFilter(logging.Filter):
    """On the handler: every record gets the current request's (or task's) id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class MinimumLevelFilter(logging.Filter):
    """On a logger: drops its records below `level`, whatever level it is set
    to later (`manage.py db_worker` sets django-tasks' to INFO)."""

    def __init__(self, level: str) -> None:
        super().__init__()
        self.levelno = logging.getLevelName(level)

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.levelno


# --- Background tasks (django-tasks) -----------------------------------------
# The request ids replaced by the running tasks, innermost last: a task run
# immediately inside a request (TASKS_BACKEND=immediate) gives the request's
# id back when it ends.
_replaced_ids: ContextVar[tuple[Token[str], ...]] = ContextVar(
    "imagin_task_replaced_ids", default=()
)


def task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """`task_started` receiver: the lines written by the task carry its id."""
    token = request_id.set(str(task_result.id))
    _replaced_ids.set((*_replaced_ids.get(), token))


def task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """`task_finished` receiver: one line for the task, then the id it replaced.

    The task's arguments are never logged (sealed e-mails, personal data);
    a failure names the exception's class only, django-tasks logging the
    traceback itself. A receiver that raised would fail the task (or the
    request that ran it): nothing here may.
    """
    try:
        _log_task(task_result)
    except Exception:
        task_logger.exception(
            "The line of task %s could not be written.", task_result.id
        )
    finally:
        replaced = _replaced_ids.get()
        if replaced:
            _replaced_ids.set(replaced[:-1])
            try:
                request_id.reset(replaced[-1])
            except ValueError:  # started in another context: nothing to give back
                request_id.set(NO_ID)


def _log_task(task_result: Any) -> None:
    started, finished = task_result.started_at, task_result.finished_at
    duration_ms = (
        round((finished - started).total_seconds() * 1000, 1)
        if started and finished
        else None
    )
    status = str(task_result.status)
    failed = status == "FAILED"
    error = task_result.errors[-1].exception_class_path if task_result.errors else ""
    name = task_result.task.module_path
    extra = {
        "task": name,
        "task_id": str(task_result.id),
        "status": status,
        "duration_ms": duration_ms,
        "attempt": task_result.attempts,
    }
    if failed:
        extra["error"] = error
    task_logger.log(
        logging.ERROR if failed else logging.INFO,
        "%s %s %sms attempt=%s%s",
        name,
        status,
        NO_ID if duration_ms is None else duration_ms,
        task_result.attempts,
        f" error={error}" if failed and error else "",
        extra=extra,
    )


def connect_task_logging() -> None:
    """Called from the app's ready(): log every task, in any process."""
    # The settings load this module (LOGGING): django-tasks is imported only
    # once the apps are ready.
    from django_tasks.signals import task_finished as finished
    from django_tasks.signals import task_started as started

    started.connect(task_started, dispatch_uid="imagin_logs_task_started")
    finished.connect(task_finished, dispatch_uid="imagin_logs_task_finished")


# --- Configuration -------------------------------------------------------------
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# What a JSON line may hold besides the timestamp, level, logger and message.
# Other libraries' extra attributes are left out: Django's include the request
# itself, whose text shows the query string.
JSON_FIELDS = frozenset(
    {
        "request_id",
        "user_id",
        "method",
        "path",
        "status",
        "duration_ms",
        "task",
        "task_id",
        "attempt",
        "error",
        "exc_info",
        "stack_info",
    }
)


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: timestamp, level, logger, message, request_id,
    and the request's or task's fields when the line has them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        super().__init__(**kwargs)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        kept = {"timestamp", "level", "logger", "message"} | JSON_FIELDS
        return {key: value for key, value in log_data.items() if key in kept}


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """settings.LOGGING: everything to the console (standard error), each line
    with its request id, as text or JSON lines."""
    log_format = log_format.strip().lower()
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(
            f"LOG_FORMAT must be text or json, not {log_format!r}."
        )
    if level.upper() not in LOG_LEVELS:
        raise ImproperlyConfigured(
            f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}."
        )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "imagin.logs.RequestIdFilter"},
            "warnings_only": {
                "()": "imagin.logs.MinimumLevelFilter",
                "level": "WARNING",
            },
        },
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {"()": "imagin.logs.JsonLineFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        "loggers": {
            # WeasyPrint narrates every rendering at INFO; only its problems matter.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
            # django-tasks narrates every task it runs: "imagin.task" says it
            # once, with the duration; its failures (with traceback) still show.
            # The filter holds when db_worker sets the level to INFO.
            "django_tasks": {"level": "WARNING", "filters": ["warnings_only"]},
        },
    }
