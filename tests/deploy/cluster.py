"""Two web servers and two workers on one test database, driven over HTTP as
a browser would: the production layout of docs/operations.md ("Scaling
out"), for tests/deploy/test_scale_out.py and test_scale_out_redis.py.

tests/deploy/conftest.py gives their tests the fixtures `cluster` and
`cache_url` defined here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from imagin.heartbeat import WorkerHeartbeat
from tests import factories

# The cluster's tests need PostgreSQL and commit for real.
SCALE_OUT_MARKS = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="Scaling out across machines needs PostgreSQL (an SQLite file "
        "serves one machine's demo): run with DATABASE_URL=postgres://..., as "
        "CI does.",
    ),
    # The servers read what the test writes: it must be committed.
    pytest.mark.django_db(transaction=True),
]

REPO = Path(__file__).resolve().parents[2]
# The load balancer forwards the site's public name to every instance.
# allauth counts failed sign-ins per account under the host name (and port)
# a request names: instances reached under different names count apart.
PUBLIC_HOST = "localhost"
WORKERS = ("scale-out-worker-1", "scale-out-worker-2")
STARTUP_SECONDS = 40
# A Redis database for the tests that run the cluster on a Redis cache.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


# --- The cluster -------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path


@dataclass
class Cluster:
    a: str
    b: str
    mail_dir: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict  # NAME is the test database's
    user = urllib.parse.quote(db["USER"] or "", safe="")
    password = urllib.parse.quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    host = urllib.parse.quote(db["HOST"] or "localhost", safe="")
    return f"postgres://{credentials}{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment(tmp_path: Path, mail_dir: Path, cache_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The servers use the shared database cache, as in production, unless
        # the test names a Redis one.
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL", "GUNICORN_CMD_ARGS"}
    }
    if cache_url:
        env["CACHE_URL"] = cache_url
    env.update(
        DATABASE_URL=_database_url(),
        DEBUG="false",
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        TASKS_BACKEND="database",
        STATIC_MANIFEST="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://{PUBLIC_HOST}",
        WEB_CONCURRENCY="2",
        HOST="127.0.0.1",
        # django-environ drops the path's first slash: four make it absolute.
        EMAIL_URL=f"filemail:///{mail_dir}",
        # Shared storage for uploaded files: one folder for every process.
        MEDIA_ROOT=str(tmp_path / "media"),
        WORKER_HEARTBEAT_INTERVAL="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _start(name: str, command: list[str], env: dict, tmp_path: Path) -> Server:
    log = tmp_path / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            # Its own process group: gunicorn's workers and the PDF processes
            # of a worker can be stopped with it.
            start_new_session=True,
        )
    return Server(name, process, log)


def _stop(servers: list[Server]) -> None:
    """SIGTERM to all at once (each stops gracefully), then kill what is left."""
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)
        # Whatever its group still holds (the leader is gone).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(server.process.pid, signal.SIGKILL)


def wait_for(condition, seconds: float, what: str, servers=()) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for server in servers:
            code = server.process.poll()
            assert code is None, f"{server.name} stopped (exit code {code})"
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"Still waiting after {seconds} s for {what}")


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health/", timeout=5) as response:
            return response.status == 200
    except OSError:  # refused while starting, or 503
        return False


@pytest.fixture
def cache_url() -> str:
    """The servers' CACHE_URL: empty for the database cache (the default)."""
    return ""


def _clear_caches(cache_url: str) -> None:
    """Rate-limit counters of earlier runs live in the cache, which the end of
    a transactional test does not empty."""
    cache.clear()
    if cache_url:
        import redis

        redis.Redis.from_url(cache_url).flushdb()


@pytest.fixture
def cluster(transactional_db, tmp_path, cache_url):
    """Two gunicorn instances and two workers on the test database.

    Requests the database first, so that it is stopped before the database
    is emptied at the end of the test.
    """
    if cache_url and not _redis_reachable():
        message = f"Redis unreachable at {cache_url} (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = _environment(tmp_path, mail_dir, cache_url)
    ports = _free_port(), _free_port()
    _clear_caches(cache_url)
    servers = [
        _start(
            f"web-{name}",
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "imagin.wsgi"],
            {**env, "PORT": str(port)},
            tmp_path,
        )
        for name, port in zip("ab", ports, strict=True)
    ] + [
        _start(
            worker_id,
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--interval",
                "0.2",
                "--no-startup-delay",
                "--worker-id",
                worker_id,
            ],
            env,
            tmp_path,
        )
        for worker_id in WORKERS
    ]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        wait_for(
            lambda: (
                WorkerHeartbeat.objects.filter(worker_id__in=WORKERS).count() == 2
                and _healthy(a)
                and _healthy(b)
            ),
            STARTUP_SECONDS,
            "both instances' /health/ and both workers' heartbeats",
            servers,
        )
        yield Cluster(a=a, b=b, mail_dir=mail_dir)
    finally:
        _stop(servers)
        _clear_caches(cache_url)
        # Shown by pytest only when the test fails.
        for server in servers:
            print(f"----- {server.name} (exit code {server.process.returncode})")
            print(server.log.read_text(errors="replace")[-4000:])


# --- A browser ---------------------------------------------------------------


@dataclass
class Page:
    status: int
    location: str
    text: str


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


def inputs(page: Page) -> dict[str, str]:
    """The page's form inputs, by name (CSRF token, claim version, values)."""
    parser = _Inputs()
    parser.feed(page.text)
    return parser.values


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Browser:
    """One cookie jar for every instance, as a browser behind the load
    balancer has: cookies are per host name, whichever instance answers."""

    def __init__(self) -> None:
        self.cookies = CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def _open(self, url: str, data: dict | None = None) -> Page:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Host": PUBLIC_HOST})
        try:
            response = self._opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # 3xx, 4xx, 5xx: a page too
            response = error
        with response:
            return Page(
                response.status,
                response.headers.get("Location", ""),
                response.read().decode(),
            )

    def get(self, server: str, path: str) -> Page:
        return self._open(server + path)

    def submit(self, server: str, path: str, fields: dict, *, form_on=None) -> Page:
        """Post a form as its page gives it (CSRF token, hidden fields), the
        page read from `form_on` (default: the same instance)."""
        form = self.get(form_on or server, path)
        assert form.status == 200, (path, form.status, form.location)
        hidden = inputs(form)
        data = {"csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"], **fields}
        if "version" in hidden:
            data.setdefault("version", hidden["version"])
        return self._open(server + path, data)

    def sign_in(self, server: str, username: str, password: str) -> Page:
        return self.submit(
            server, "/comptes/login/", {"login": username, "password": password}
        )


# --- Steps both tests take ---------------------------------------------------


def a_session_opened_on_a_is_valid_on_b(cluster, paul) -> Browser:
    browser = Browser()
    signed_in = browser.sign_in(cluster.a, paul.username, factories.PASSWORD)
    assert (signed_in.status, signed_in.location) == (302, "/")
    home = browser.get(cluster.b, "/")
    assert home.status == 200 and "Bonjour Paul Durand." in home.text
    claims = browser.get(cluster.b, "/mes-etats-de-frais/")
    assert claims.status == 200, claims.location
    # Without the session cookie, B sends to the sign-in page.
    anonymous = Browser().get(cluster.b, "/mes-etats-de-frais/")
    assert anonymous.status == 302 and "/comptes/login/" in anonymous.location
    return browser


def failed_sign_ins_on_a_and_b_count_together(cluster, target) -> None:
    # allauth's login_failed limits: 10 a minute per address, 5 in 5 minutes
    # per account; the account's triggers first, at the 6th attempt. Counted
    # by each instance alone, B would have seen 2 failures, A 3, at that point.
    attacker = Browser()
    servers = [cluster.a, cluster.b] * 4
    statuses = [
        attacker.sign_in(server, target.username, "pas-le-bon-mot-de-passe").status
        for server in servers[:7]
    ]
    assert statuses == [200, 200, 200, 200, 200, 429, 429]
    # The right password no longer helps either, on any instance.
    assert attacker.sign_in(cluster.b, target.username, factories.PASSWORD).status == (
        429
    )
