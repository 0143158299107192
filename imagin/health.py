"""`/health/`: may this process serve, and is the service whole?

For load balancers and monitoring. 200 when the database answers, every
migration is applied and a background worker was seen recently; 503 otherwise,
naming which check failed. The body says nothing else (no version, host or
count of anything), needs no sign-in, and is never cached.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from imagin.heartbeat import latest_heartbeat
from imagin.http import never_store

OK = "ok"

# Once a process has seen every migration applied it stays so: new migrations
# come with new code, hence new processes. Reading the migration files again
# at every probe would cost a tenth of a second.
_migrations_applied = False


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unreachable"
    return OK


def check_migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return OK
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return "unknown (database unreachable)"
    if pending:
        return f"{len(pending)} not applied"
    _migrations_applied = True
    return OK


def check_worker() -> str:
    if settings.TASKS_BACKEND != "database":
        # Tasks run inside the request that enqueues them: no worker to wait for.
        return "not used"
    try:
        heartbeat = latest_heartbeat()
    except DatabaseError:
        return "unknown (database unreachable)"
    if heartbeat is None:
        return "never seen"
    silence = timezone.now() - heartbeat.last_seen
    if silence > timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT):
        return f"silent for {int(silence.total_seconds())} s"
    return OK


HEALTHY = {OK, "not used"}


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": check_database(),
        "migrations": check_migrations(),
        "worker": check_worker(),
    }
    healthy = all(result in HEALTHY for result in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks},
        status=200 if healthy else 503,
    )
    return never_store(response)
