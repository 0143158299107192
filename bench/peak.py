"""Benchmark: the participant pages at the peak, on the production server.

Starts gunicorn the way `make run` does (`gunicorn -c gunicorn.conf.py
imagin.wsgi`, DEBUG off, tasks queued in the database, cookies without
`Secure` over plain HTTP, a throw-away SECRET_KEY and FIELD_ENCRYPTION_KEYS),
on the empty PostgreSQL database named by BENCH_DATABASE_URL (created if
missing, dropped at the end unless --keep), else on a temporary SQLite file;
migrates it (`manage.py migrate`), then builds its own data: N participants,
each with an open claim (the mission step confirmed) among 20 claims in their
list, and signs each one in (Django's `login()`, the function allauth's
sign-in ends with, through the test client: a database session and its
`sessionid` cookie, as the site issues; the password form is skipped because
hashing 200 passwords would take minutes and is not what is measured).

Then it measures, with wrk (Debian: `apt-get install wrk`; without it, a
slower Python generator of threads and keep-alive connections):
a bare "hello" view (without, then with a session cookie), the claim list and
the service step of the claim, each for --seconds, rotating over the
participants' cookies; then every participant at once for --crowd-seconds,
each looping: list, service step, a save ("Enregistrer", the CSRF token and
version read from the form, a new number of copies each time), reload. Last,
it checks in the database that each participant's last acknowledged save
landed (a lost update otherwise).

The hello view is not one of the site's addresses: the server runs with
DJANGO_SETTINGS_MODULE=peak_settings (bench/peak_settings.py: the project's
settings, with bench/peak_urls.py as ROOT_URLCONF, the site's addresses plus
`bench-hello/`), the settings taking ROOT_URLCONF from no environment
variable. Middleware, session engine and cookies are the project's.
Static files are served from their folders (STATIC_MANIFEST=false, no
collectstatic): no page measured here asks for one.

    .venv/bin/python bench/peak.py [--seconds 10] [--participants 200]
        [--workers N] [--crowd-seconds 30] [--connections 32] [--warmup 3]
        [--generator auto|wrk|python] [--keep]

The last line printed is the summary:
    peak: hello H req/s, list L req/s (ratio R), step S req/s (ratio Q),
    200 participants p50 A ms p95 B ms p99 C ms, errors E, lost updates U
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

# As in production: e-mails go to the worker's queue.
os.environ.setdefault("BENCH_TASKS_BACKEND", "database")

import sandbox  # noqa: E402  (sets Django up first)
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone
from peak_load import Participant, Rate, Target, crowd, percentile, rate

from accounts.models import Commune, User
from claims.models import Claim, ClaimLine
from missions.models import Assignment, Mission

CLAIMS_EACH = 20
LIST = "/mes-etats-de-frais/"
HELLO = "/bench-hello/"


# -------------------------------------------------------------- database


def postgres_admin():
    """A connection to the server's maintenance database, to create and drop
    the bench database; None on SQLite."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return None
    import psycopg

    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def prepare_database() -> None:
    admin = postgres_admin()
    if admin is None:
        return
    name = settings.DATABASES["default"]["NAME"]
    with admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT to_regclass('django_migrations')")
        if cursor.fetchone()[0] is not None:
            sys.exit(
                f"{name} already holds tables (a run with --keep?): drop it first, "
                f"or name another database in BENCH_DATABASE_URL."
            )


def drop_database() -> None:
    for alias in connections:
        connection = connections[alias]
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    # The SQLite file, or the server's log beside the PostgreSQL database.
    shutil.rmtree(sandbox.WORKDIR, ignore_errors=True)
    admin = postgres_admin()
    if admin is None:
        return
    name = settings.DATABASES["default"]["NAME"]
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ------------------------------------------------------------------ data


def build(count: int) -> list[Participant]:
    """`count` participants, each with CLAIMS_EACH claims: the newest open
    (draft, the mission step confirmed, so that the service step is
    reachable), the others declared (every other one validated by a
    manager, with its amounts)."""
    rouen = Commune.objects.create(insee_code="76540", name="Rouen")
    _session, exam, epreuve, kind, centre = sandbox.philosophy_correction(rouen)
    start = timezone.now() - timedelta(days=CLAIMS_EACH + 5)
    missions = [
        Mission.objects.create(
            exam=exam,
            epreuve=epreuve,
            mission_type=kind,
            centre=centre,
            starts_at=start + timedelta(days=n),
            ends_at=start + timedelta(days=n, hours=8),
            planned_volume=40,
            staffing_need=count,
        )
        for n in range(CLAIMS_EACH)
    ]
    # Living where the centre is: no travel part, the service step follows
    # the mission step.
    people = User.objects.bulk_create(
        User(
            username=f"correcteur{n}",
            first_name="Camille",
            last_name=f"Correcteur{n}",
            email=f"correcteur{n}@exemple.invalid",
            commune=rouen,
            password="!",
        )
        for n in range(count)
    )
    now = timezone.now()
    assignments = Assignment.objects.bulk_create(
        Assignment(
            mission=mission,
            participant=person,
            status="convoked",
            convoked_at=now,
        )
        for person in people
        for mission in missions
    )
    open_mission = missions[-1]
    claims = []
    for n, assignment in enumerate(assignments):
        if assignment.mission_id == open_mission.pk:
            claims.append(Claim(assignment=assignment, steps_done=["mission"]))
            continue
        approved = n % 2 == 0
        claims.append(
            Claim(
                assignment=assignment,
                status="approved" if approved else "submitted",
                copies_declared=30 + n % 20,
                copies_validated=30 + n % 20 if approved else None,
                remuneration_amount=Decimal(5 * (30 + n % 20)) if approved else None,
                travel_amount=Decimal(0) if approved else None,
                approved_at=now if approved else None,
                submitted_at=now - timedelta(minutes=n),
                steps_done=["mission", "service"],
            )
        )
    Claim.objects.bulk_create(claims)
    # A validated claim has the lines its validation froze (their sum is its
    # amount), as claim_approve writes them.
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            kind=ClaimLine.Kind.REMUNERATION,
            label="Correction de copies",
            quantity=claim.copies_validated,
            unit_rate=Decimal(5),
            amount=claim.remuneration_amount,
        )
        for claim in claims
        if claim.status == "approved"
    )
    open_claims = dict(
        Claim.objects.filter(assignment__mission=open_mission).values_list(
            "assignment__participant_id", "pk"
        )
    )
    participants = []
    for person in people:
        client = Client()
        client.force_login(person)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        participants.append(
            Participant(
                person.username,
                open_claims[person.pk],
                {settings.SESSION_COOKIE_NAME: cookie},
            )
        )
    return participants


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(port: int, workers: int | None) -> dict[str, str]:
    """`make run`'s RUN_ENV, on the bench database, with the hello view."""
    env = dict(os.environ)
    env.pop("LOG_LEVEL", None)  # the production level: a line per request
    env.update(
        DEBUG="false",
        TASKS_BACKEND="database",
        SECURE_COOKIES="false",
        EMAIL_URL="consolemail://",
        HOST="127.0.0.1",
        PORT=str(port),
        SITE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_SETTINGS_MODULE="peak_settings",
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), str(sandbox.ROOT)]),
    )
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    return env


def migrate() -> None:
    env = server_environment(0, None)
    env["DJANGO_SETTINGS_MODULE"] = "imagin.settings"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=sandbox.ROOT,
        env=env,
        check=True,
    )


def start_server(port: int, workers: int | None, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "imagin.wsgi"],
        cwd=sandbox.ROOT,
        env=server_environment(port, workers),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        # Its own process group: stopped with its workers at the end.
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{HELLO}", timeout=5):
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    sys.exit(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


# ----------------------------------------------------------------- bench


def show(label: str, measured: Rate) -> None:
    print(
        f"{label:<30}{measured.per_second:>9.1f} req/s  "
        f"{measured.requests} requests, {measured.errors} errors, {measured.note}"
    )


def lost_updates(people: list[Participant]) -> int:
    """Participants whose claim does not hold their last acknowledged value
    (nor one of the values sent after it whose answer never came)."""
    stored = dict(
        Claim.objects.filter(pk__in=[p.claim_pk for p in people]).values_list(
            "pk", "copies_declared"
        )
    )
    lost = 0
    for who in people:
        if who.acknowledged is None:
            continue
        if stored[who.claim_pk] not in (who.acknowledged, *who.unanswered):
            lost += 1
            print(
                f"lost update: {who.username} saved {who.acknowledged}, "
                f"the database holds {stored[who.claim_pk]}"
            )
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per measurement")
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument(
        "--workers", type=int, help="gunicorn's WEB_CONCURRENCY (gunicorn.conf.py's)"
    )
    parser.add_argument(
        "--crowd-seconds",
        type=float,
        default=30,
        help="how long every participant loops at once",
    )
    parser.add_argument("--connections", type=int, default=32, help="of the rates")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="of the rates; auto: wrk if installed (apt-get install wrk)",
    )
    parser.add_argument(
        "--warmup", type=float, default=3, help="seconds before each rate, uncounted"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (and server log)"
    )
    args = parser.parse_args()

    prepare_database()
    server = None
    try:
        began = time.perf_counter()
        migrate()
        people = build(args.participants)
        database = settings.DATABASES["default"]
        print(
            f"database                      {database['ENGINE'].rsplit('.', 1)[-1]} "
            f"{database['NAME']}"
        )
        print(
            f"data                          {args.participants} participants x "
            f"{CLAIMS_EACH} claims, migrated and built in "
            f"{time.perf_counter() - began:.0f} s"
        )
        port = free_port()
        log = Path(sandbox.WORKDIR) / "gunicorn.log"
        server = start_server(port, args.workers, log)
        name = settings.SESSION_COOKIE_NAME
        cookies = [f"{name}={p.cookies[name]}" for p in people]
        steps = [
            (f"/mes-etats-de-frais/{p.claim_pk}/etape/service/", c)
            for p, c in zip(people, cookies, strict=True)
        ]

        def measure(targets: list[Target]) -> Rate:
            # Each worker's first page loads templates, catalogues and
            # code (seconds): a warm-up, not counted, takes that out.
            if args.warmup > 0:
                rate(port, targets, args.warmup, args.connections, args.generator)
            return rate(port, targets, args.seconds, args.connections, args.generator)

        bare = measure([(HELLO, "")])
        show("hello, no cookie", bare)
        hello = measure([(HELLO, c) for c in cookies])
        show("hello, session cookie", hello)
        print(
            f"{'':<30}a session cookie costs the bare view "
            f"{1 - hello.per_second / bare.per_second:.0%} of its throughput"
        )
        listing = measure([(LIST, c) for c in cookies])
        show("claim list (20 claims)", listing)
        step = measure(steps)
        show("service step", step)
        crowd_run = crowd(port, people, args.crowd_seconds)
        latencies = crowd_run.latencies
        p50, p95, p99 = (percentile(latencies, f) * 1000 for f in (0.5, 0.95, 0.99))
        saved = sum(1 for p in people if p.acknowledged is not None)
        print(
            f"{args.participants} participants at once     "
            f"{len(latencies) / crowd_run.elapsed:>9.1f} req/s  "
            f"{crowd_run.loops} loops in {crowd_run.elapsed:.0f} s, "
            f"{saved} participants saved at least once, "
            f"max {max(latencies, default=0) * 1000:.0f} ms"
        )
        for what, count in sorted(crowd_run.errors.items()):
            print(f"  error {what}: {count}")
        lost = lost_updates(people)
        errors = (
            sum(crowd_run.errors.values())
            + bare.errors
            + hello.errors
            + listing.errors
            + step.errors
        )
        if args.keep:
            print(f"kept: {database['NAME']}, server log {log}")
        print(
            f"peak: hello {hello.per_second:.0f} req/s, "
            f"list {listing.per_second:.0f} req/s "
            f"(ratio {listing.per_second / hello.per_second:.3f}), "
            f"step {step.per_second:.0f} req/s "
            f"(ratio {step.per_second / hello.per_second:.3f}), "
            f"{args.participants} participants p50 {p50:.0f} ms p95 {p95:.0f} ms "
            f"p99 {p99:.0f} ms, errors {errors}, lost updates {lost}"
        )
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
