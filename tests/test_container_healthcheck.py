"""The container image's HEALTHCHECK (docker/healthcheck.py), run as the image runs it.

No container engine is needed: the script is plain Python probing a port, so
it is run here against a stand-in server (what it sends, how it reads each
answer) and against the site's real `/health/` on a live server (that Django
lets the probe in).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

SCRIPT = Path(__file__).resolve().parent.parent / "docker" / "healthcheck.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("container_healthcheck", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _probe(port: int, allowed_hosts: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PORT", "ALLOWED_HOSTS"}
    }
    env.update(PORT=str(port), ALLOWED_HOSTS=allowed_hosts)
    return subprocess.run(
        [sys.executable, str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


class _StandIn(BaseHTTPRequestHandler):
    status = 200
    location = ""
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, **dict(self.headers)})
        self.send_response(type(self).status)
        if type(self).location:
            self.send_header("Location", type(self).location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[tuple[type[_StandIn], int]]:
    handler = type("Handler", (_StandIn,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_the_probe_passes_when_health_answers_200_and_names_an_allowed_host(
    stand_in,
):
    handler, port = stand_in

    result = _probe(port, ".imagin.example,localhost")

    assert result.returncode == 0, result.stderr
    (request,) = handler.seen
    assert request["path"] == "/health/"
    assert request["Host"] == "imagin.example"
    assert request["X-Forwarded-Proto"] == "https"


def test_the_probe_fails_when_health_answers_503(stand_in):
    handler, port = stand_in
    handler.status = 503

    result = _probe(port, "localhost")

    assert result.returncode == 1
    assert "503" in result.stderr


def test_the_probe_fails_on_a_redirect_instead_of_following_it(stand_in):
    handler, port = stand_in
    handler.status = 301
    handler.location = f"http://127.0.0.1:{port}/elsewhere/"

    result = _probe(port, "localhost")

    assert result.returncode == 1
    assert [request["path"] for request in handler.seen] == ["/health/"]


def test_the_probe_fails_when_nothing_listens():
    with ThreadingHTTPServer(("127.0.0.1", 0), _StandIn) as closed:
        free_port = closed.server_address[1]

    result = _probe(free_port, "localhost")

    assert result.returncode == 1
    assert "unreachable" in result.stderr


@pytest.mark.parametrize(
    ("allowed_hosts", "expected"),
    [
        ("imagin.ac-exemple.fr,localhost", "imagin.ac-exemple.fr"),
        ("*,localhost", "localhost"),
        ("*.ac-exemple.fr, .ac-exemple.fr", "ac-exemple.fr"),
        ("*", "localhost"),
        ("", "localhost"),
        (" [::1] ", "[::1]"),
    ],
)
def test_the_probe_sends_the_first_host_django_would_accept(allowed_hosts, expected):
    assert _load_script().probe_host(allowed_hosts) == expected


def test_the_sites_own_health_page_lets_the_probe_in(live_server):
    # TASKS_BACKEND=immediate in the tests: no worker to wait for, so /health/
    # answers 200 once the database answers and the migrations are applied.
    port = urlsplit(live_server.url).port

    result = _probe(port, ",".join(settings.ALLOWED_HOSTS))

    assert result.returncode == 0, result.stderr
