"""Benchmark: a manager validates a thousand claims at once from the queue.

Builds the data of `bench/back_office.py` (N submitted claims of N/2
participants) in a throw-away database (SQLite, or the empty database named
by BENCH_DATABASE_URL, e.g. PostgreSQL), then times, as in production (the
database task queue):

- the request of the bulk action ("select all"), which hands the selection
  to the worker and answers with a page following it;
- the worker running that validation (pricing, frozen lines, statuses, audit
  events, each participant's e-mail rendered and queued);
- the progress page, once the validation is done (the report of each claim);
- the worker rendering the participants' e-mails and queueing them, which
  the validation hands to tasks of their own.

    .venv/bin/python bench/bulk_validation.py [claims]
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("BENCH_TASKS_BACKEND", "database")

import sandbox  # noqa: E402, F401  (sets Django up first)
from back_office import build, timed
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from claims.models import Claim
from tests.platform_helpers import run_stored_task

GOAL_MS = 2000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    manager = build(count)
    client = Client()
    client.force_login(manager)
    queue = reverse("admin:claims_claim_changelist")
    ids = list(Claim.objects.values_list("pk", flat=True))
    print(f"claims                            {count} (submitted)")
    # For comparison: the action's request also builds the queue's page.
    timed("queue, first page (50)", lambda: client.get(queue))
    response = timed(
        "validate all: the request",
        lambda: client.post(
            queue,
            {
                "action": "approve_selected",
                "select_across": "1",
                "_selected_action": ids[:50],
            },
        ),
    )
    page = response["Location"]
    stored = DBTaskResult.objects.get(
        task_path="claims.services.bulk_review.approve_claims"
    )
    began = time.perf_counter()
    run_stored_task(stored, "bench")
    elapsed = (time.perf_counter() - began) * 1000
    stored.refresh_from_db()
    assert stored.status == "SUCCESSFUL", stored.traceback
    validated = Claim.objects.filter(status="approved").count()
    mails = DBTaskResult.objects.filter(
        task_path="claims.services.bulk_review.queue_decision_emails"
    ).count()
    print(
        f"{'validate all: the worker':<34}{elapsed:>9.0f} ms  "
        f"goal < {GOAL_MS} ms, ratio {elapsed / GOAL_MS:.2f}"
    )
    print(f"{'':<34}{validated} validated, their e-mails queued in {mails} tasks")
    timed("the report page", lambda: client.get(page))
    began = time.perf_counter()
    for stored in DBTaskResult.objects.filter(
        task_path="claims.services.bulk_review.queue_decision_emails"
    ):
        run_stored_task(stored, "bench")
    elapsed = (time.perf_counter() - began) * 1000
    queued = DBTaskResult.objects.filter(task_path="imagin.tasks.send_email").count()
    print(f"{'worker: the e-mails rendered':<34}{elapsed:>9.0f} ms  {queued} queued")


if __name__ == "__main__":
    main()
