"""One log line per request and per task, with its id and no personal data;
error reports to Sentry without personal data either (imagin/logs.py,
imagin/error_reports.py)."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path
from django.utils.functional import SimpleLazyObject
from django.views.decorators.csrf import csrf_exempt
from django_tasks import task
from sentry_sdk.transport import Transport

from imagin.error_reports import init_sentry, stop_sentry
from imagin.logs import _user_id, current_request_id, logging_config
from tests.platform_helpers import DATABASE_TASKS, run_stored_task

LOG_MIDDLEWARE = "imagin.logs.RequestLogMiddleware"
IBAN = "FR7630006000011234567890189"
EMAIL = "sophie.bernard@exemple.invalid"
PASSWORD = "Motdepasse-tres-secret-42"
view_logger = logging.getLogger("tests.logs")


@task()
def logged_task(recipient: str) -> None:
    view_logger.info("inside the task")


@task()
def failing_task(recipient: str) -> None:
    raise ValueError("refused")


def page(request: HttpRequest) -> HttpResponse:
    view_logger.info("inside the view")
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous")


@csrf_exempt
def broken_page(request: HttpRequest) -> HttpResponse:
    iban = request.POST.get("iban", "")  # a local variable Sentry must not show
    raise RuntimeError(f"Adresse refusée : {request.POST.get('email', '')} {iban}")


def page_running_tasks(request: HttpRequest) -> HttpResponse:
    logged_task.enqueue(EMAIL)
    failing_task.enqueue(EMAIL)
    view_logger.info("after the tasks")
    return HttpResponse("ok")


urlpatterns = [
    path("journal/page/", page),
    path("journal/erreur/", broken_page),
    path("journal/taches/", page_running_tasks),
    # The site's own pages: the error page links to them.
    path("", include("imagin.urls")),
]
handler500 = "imagin.views.server_error"


def with_request_log():
    """The project's middleware, the request log first."""
    return override_settings(
        ROOT_URLCONF="tests.test_logs",
        MIDDLEWARE=[
            LOG_MIDDLEWARE,
            *(name for name in settings.MIDDLEWARE if name != LOG_MIDDLEWARE),
        ],
    )


@contextmanager
def captured_logs(log_format: str = "text"):
    """Logging as settings.LOGGING = logging_config(...) sets it, written to a
    buffer; the test settings' logging restored after."""
    output = io.StringIO()
    config = logging_config(log_format=log_format, level="INFO")
    config["handlers"]["console"]["stream"] = output
    logging.config.dictConfig(config)
    try:
        yield output
    finally:
        # dictConfig adds a logger's filters but never removes them.
        logging.getLogger("django_tasks").filters.clear()
        logging.config.dictConfig(settings.LOGGING)


def lines_of(output: io.StringIO, logger: str) -> list[str]:
    """The text lines of a logger ("date time LEVEL logger [id] message")."""
    return [
        line
        for line in output.getvalue().splitlines()
        if line.split(" ", 4)[3:4] == [logger]
    ]


@pytest.fixture
def client_500():
    return Client(raise_request_exception=False)


@with_request_log()
def test_a_request_line_has_method_path_status_duration_user_and_id_but_no_query(
    client, participant
):
    client.force_login(participant)
    with captured_logs() as output:
        response = client.get(f"/journal/page/?nom=Durand&email={EMAIL}")

    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    [line] = lines_of(output, "imagin.request")
    assert " INFO imagin.request " in line
    assert f"[{request_id}] GET /journal/page/ 200 " in line
    assert "ms user=" in line
    assert line.endswith(f" user={participant.pk}")
    log = output.getvalue()
    for personal in ("nom=", "Durand", EMAIL, participant.username, "Paul"):
        assert personal not in log
    assert current_request_id() == "-"


@with_request_log()
def test_lines_written_during_a_request_carry_its_id(client):
    with captured_logs() as output:
        response = client.get("/journal/page/")

    [line] = lines_of(output, "tests.logs")
    assert f"[{response['X-Request-ID']}] inside the view" in line
    assert lines_of(output, "imagin.request")[0].endswith(" user=-")


@with_request_log()
def test_an_incoming_request_id_is_kept_and_a_hostile_one_replaced(client):
    with captured_logs() as output:
        kept = client.get("/journal/page/", HTTP_X_REQUEST_ID="proxy-42.a_B")
        forged = client.get(
            "/journal/page/", HTTP_X_REQUEST_ID="x] GET /gestion/ 200 user=1"
        )
        too_long = client.get("/journal/page/", HTTP_X_REQUEST_ID="a" * 65)

    assert kept["X-Request-ID"] == "proxy-42.a_B"
    for response in (forged, too_long):
        assert len(response["X-Request-ID"]) == 32
        int(response["X-Request-ID"], 16)
    assert forged["X-Request-ID"] != too_long["X-Request-ID"]
    lines = lines_of(output, "imagin.request")
    assert "[proxy-42.a_B] GET /journal/page/ 200" in lines[0]
    assert "/gestion/" not in output.getvalue()


@with_request_log()
def test_a_line_break_in_the_address_cannot_forge_a_line(client):
    with captured_logs() as output:
        response = client.get("/journal/page/%0A2026 INFO imagin.request forged")

    assert response.status_code == 404
    [line] = lines_of(output, "imagin.request")
    assert "GET /journal/page/\\x0a2026 INFO imagin.request forged 404 " in line
    # Django's own line ("Not Found: ...") escapes it too, and carries the id.
    for text in output.getvalue().splitlines():
        assert re.match(r"\d{4}-\d\d-\d\d [\d:,]+ [A-Z]+ [\w.]+ \[\w+\] ", text)
        assert f"[{response['X-Request-ID']}]" in text


@with_request_log()
def test_a_view_that_raises_is_logged_as_a_500_at_error(client_500):
    with captured_logs() as output:
        response = client_500.get("/journal/erreur/?nom=Durand")

    assert response.status_code == 500
    [line] = lines_of(output, "imagin.request")
    assert " ERROR imagin.request " in line
    assert f"[{response['X-Request-ID']}] GET /journal/erreur/ 500 " in line
    assert "Durand" not in output.getvalue()


@pytest.mark.django_db
def test_reading_the_user_for_the_log_never_queries_the_database(
    django_assert_num_queries,
):
    def load_user():
        raise AssertionError("the log loaded the user")

    request = HttpRequest()
    request.user = SimpleLazyObject(load_user)
    with django_assert_num_queries(0):
        assert _user_id(request) == "-"
    assert _user_id(HttpRequest()) == "-"  # a middleware answered before auth
    request.user = AnonymousUser()
    assert _user_id(request) == "-"


@with_request_log()
def test_each_task_has_its_line_and_its_lines_carry_its_id(client):
    with captured_logs() as output:
        response = client.get("/journal/taches/")

    request_id = response["X-Request-ID"]
    done, failed = lines_of(output, "imagin.task")
    assert " INFO imagin.task " in done
    assert "tests.test_logs.logged_task SUCCESSFUL " in done
    assert "ms attempt=1" in done
    task_id = done.split("[", 1)[1].split("]", 1)[0]
    assert task_id not in {request_id, "-"}
    inside, after = lines_of(output, "tests.logs")
    assert f"[{task_id}] inside the task" in inside
    # The request's own lines carry its id again once the tasks are done.
    assert f"[{request_id}] after the tasks" in after
    assert " ERROR imagin.task " in failed
    assert "tests.test_logs.failing_task FAILED " in failed
    assert failed.endswith("attempt=1 error=builtins.ValueError")
    # The arguments (an e-mail address here) are never written.
    assert EMAIL not in output.getvalue()


@with_request_log()
def test_django_tasks_own_narration_stays_out_even_when_the_worker_asks_for_it(
    client,
):
    with captured_logs() as output:
        # What `manage.py db_worker` does at its default verbosity.
        logging.getLogger("django_tasks").setLevel(logging.INFO)
        client.get("/journal/taches/")

    assert len(lines_of(output, "imagin.task")) == 2
    # Only the failure, with its traceback, from django-tasks itself.
    [failure] = lines_of(output, "django_tasks")
    assert " ERROR django_tasks " in failure
    assert "failing_task state=FAILED" in failure


@pytest.mark.django_db
def test_a_task_run_by_the_database_worker_is_logged_with_its_duration():
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DATABASE_TASKS), captured_logs("json") as output:
        result = logged_task.enqueue(EMAIL)
        run_stored_task(DBTaskResult.objects.get(id=result.id))

    records = [json.loads(line) for line in output.getvalue().splitlines()]
    inside = next(r for r in records if r["message"] == "inside the task")
    [line] = [r for r in records if r["logger"] == "imagin.task"]
    assert inside["request_id"] == line["request_id"] == line["task_id"]
    assert line["task_id"] == str(result.id)
    assert line["task"] == "tests.test_logs.logged_task"
    assert line["status"] == "SUCCESSFUL"
    assert line["attempt"] == 1
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert EMAIL not in output.getvalue()
    assert current_request_id() == "-"


@with_request_log()
def test_in_json_each_line_is_an_object_with_the_request_fields(client, client_500):
    with captured_logs("json") as output:
        ok = client.get("/journal/taches/?nom=Durand")
        client_500.get("/journal/erreur/?nom=Durand")

    records = [json.loads(line) for line in output.getvalue().splitlines()]
    for record in records:
        assert {"timestamp", "level", "logger", "message", "request_id"} <= set(record)
    requests = [r for r in records if r["logger"] == "imagin.request"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/journal/taches/", 200),
        ("GET", "/journal/erreur/", 500),
    ]
    assert requests[0]["request_id"] == ok["X-Request-ID"]
    assert requests[0]["user_id"] == "-"
    assert requests[0]["level"] == "INFO"
    assert requests[1]["level"] == "ERROR"
    assert all(isinstance(r["duration_ms"], float) for r in requests)
    tasks = [r for r in records if r["logger"] == "imagin.task"]
    assert [(t["task"], t["status"]) for t in tasks] == [
        ("tests.test_logs.logged_task", "SUCCESSFUL"),
        ("tests.test_logs.failing_task", "FAILED"),
    ]
    assert tasks[1]["error"] == "builtins.ValueError"
    # Django's own error line comes with the request as an extra attribute:
    # it is left out, and its query string with it.
    assert any(r["logger"] == "django.request" for r in records)
    assert "Durand" not in output.getvalue()
    assert EMAIL not in output.getvalue()


def test_an_unknown_log_format_or_level_is_refused():
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be text or json"):
        logging_config(log_format="xml", level="INFO")
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL must be one of"):
        logging_config(log_format="json", level="verbose")
    assert logging_config(log_format="json", level="warning")["root"]["level"] == (
        "WARNING"
    )


class CapturingTransport(Transport):
    """Keeps the events instead of sending them: no network in tests."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict] = []

    def capture_envelope(self, envelope) -> None:
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def sentry_events():
    transport = CapturingTransport()
    init_sentry(
        "http://public@127.0.0.1:9/1",
        environment="test",
        release=None,
        transport=transport,
    )
    try:
        yield transport.events
    finally:
        stop_sentry()


def served_by_wsgi(request: HttpRequest) -> tuple[str, dict[str, str]]:
    """The request through Django's WSGI handler, as gunicorn hands it over
    (Sentry reads the address, headers and client's address there, which the
    test client skips), without closing the test's database connection."""
    responses = []
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = WSGIHandler()(
            request.environ, lambda status, headers: responses.append((status, headers))
        )
        b"".join(body)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    [(status, headers)] = responses
    return status, dict(headers)


@with_request_log()
def test_an_error_report_carries_no_personal_data_of_the_request(
    client, participant, sentry_events
):
    client.force_login(participant)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    request = RequestFactory().post(
        "/journal/erreur/?nom=Durand",
        {
            "iban": IBAN,
            "email": EMAIL,
            "password": PASSWORD,
            "password1": PASSWORD,
            "oldpassword": PASSWORD,
        },
        headers={
            "Authorization": "Bearer jeton-secret-du-porteur",
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; suivi=cookie-prive",
            "Referer": "http://testserver/recherche/?nom=Durand",
            "X-Request-ID": "rapport-1",
            "User-Agent": "Navigateur/1.0",
        },
    )

    status, headers = served_by_wsgi(request)

    assert status.startswith("500")
    assert headers["X-Request-ID"] == "rapport-1"
    # One report: the request's own ERROR line is not a second one.
    [event] = sentry_events
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["request"]["url"] == "http://testserver/journal/erreur/"
    assert event["request"]["method"] == "POST"
    assert event["request"]["headers"]["User-Agent"] == "Navigateur/1.0"
    assert set(event["request"]) == {"url", "method", "headers"}
    assert event["user"] == {"id": str(participant.pk)}
    assert event["tags"]["request_id"] == "rapport-1"
    text = json.dumps(event, default=str)
    for personal in (
        IBAN,
        EMAIL,
        PASSWORD,
        "Durand",
        "cookie-prive",
        session,
        "jeton-secret-du-porteur",
        participant.username,
        participant.email,
        "127.0.0.1",
    ):
        assert personal not in text, personal


def test_a_failed_task_is_reported_once_with_its_id_and_without_its_arguments(
    sentry_events,
):
    result = failing_task.enqueue(EMAIL)

    [event] = sentry_events
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["tags"]["request_id"] == str(result.id)
    assert EMAIL not in json.dumps(event, default=str)


@with_request_log()
@pytest.mark.django_db
def test_once_stopped_sentry_reports_nothing_more(client_500):
    import sentry_sdk

    transport = CapturingTransport()
    init_sentry(
        "http://public@127.0.0.1:9/1",
        environment="test",
        release=None,
        transport=transport,
    )
    stop_sentry()
    client_500.get("/journal/erreur/")

    assert transport.events == []
    assert not sentry_sdk.get_client().is_active()
