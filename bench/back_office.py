"""Benchmark: the exam division's end of session, on a thousand claims.

Builds a throw-away database (SQLite, or the empty database named by
BENCH_DATABASE_URL, e.g. PostgreSQL) with N submitted claims of N/2
participants whose bank details are checked, then times what two managers do
in the back-office, through the pages (Django's test client, the whole
request): the dashboard, one page of the queue, validating all the claims at
once (the bulk action, whose validation runs in the worker: timed apart),
putting them into payment, the file for the financial system, marking the
batch paid; then the background worker's part (sending the e-mails, laying
out the batch recap PDF), as in production, and the recap's layout alone.

    .venv/bin/python bench/back_office.py [claims]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta

# As in production: e-mails and the recap PDF go to the worker's queue.
os.environ.setdefault("BENCH_TASKS_BACKEND", "database")

import sandbox  # noqa: E402, F401  (sets Django up first)
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Commune, FinancialFile, User
from accounts.roles import MANAGER
from claims import exports
from claims.models import Claim, PaymentBatch
from missions.models import (
    Assignment,
    Mission,
)
from tests.platform_helpers import run_stored_task

IBAN = "FR7630006000011234567890189"


def build(count: int) -> User:
    call_command("migrate", verbosity=0)
    rouen = Commune.objects.create(insee_code="76540", name="Rouen")
    manager = User.objects.create(
        username="gestionnaire", first_name="Claire", last_name="Martin", is_staff=True
    )
    manager.groups.add(Group.objects.get(name=MANAGER))
    _session, exam, epreuve, kind, centre = sandbox.philosophy_correction(rouen)
    start = timezone.now() - timedelta(days=10)
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
        for n in range(2)
    ]
    people = User.objects.bulk_create(
        User(
            username=f"correcteur{n}",
            first_name="Camille",
            last_name=f"Correcteur{n}",
            email=f"correcteur{n}@exemple.invalid",
            commune=rouen,
            password="!",
        )
        for n in range(max(count // 2, 1))
    )
    FinancialFile.objects.bulk_create(
        FinancialFile(
            user=person,
            holder=person.get_full_name(),
            iban=IBAN,
            bic="AGRIFRPP",
            status="checked",
            updated_at=timezone.now(),
            checked_at=timezone.now(),
        )
        for person in people
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            mission=missions[n // len(people) % 2],
            participant=people[n % len(people)],
            status="convoked",
            convoked_at=timezone.now(),
        )
        for n in range(count)
    )
    Claim.objects.bulk_create(
        Claim(
            assignment=assignment,
            status="submitted",
            copies_declared=30 + n % 20,
            submitted_at=timezone.now() - timedelta(minutes=n),
            steps_done=["mission", "service"],
        )
        for n, assignment in enumerate(assignments)
    )
    return manager


def goal(elapsed: float, seconds: float) -> str:
    """Issue 18's goal for a figure, and how far it is: ratio 1 is the goal."""
    return f"goal < {seconds:g} s, ratio {elapsed / seconds:.2f}"


def timed(label: str, call, note: str = ""):
    began = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - began
    assert response.status_code in (200, 302), (label, response.status_code)
    print(f"{label:<34}{elapsed * 1000:>9.0f} ms  {note}")
    return response


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    manager = build(count)
    client = Client()
    client.force_login(manager)
    queue = reverse("admin:claims_claim_changelist")
    ids = list(Claim.objects.values_list("pk", flat=True))
    print(
        f"claims                            {count} (submitted, bank details checked)"
    )
    timed("dashboard", lambda: client.get(reverse("admin:index")))
    timed("queue, first page (50)", lambda: client.get(queue))
    timed(
        "validate all (bulk action)",
        lambda: client.post(
            queue,
            # "Select all N": the page's boxes and select_across, as a browser.
            {
                "action": "approve_selected",
                "select_across": "1",
                "_selected_action": ids[:50],
            },
        ),
    )
    # Beyond a page of claims the action hands the validation to the worker
    # (claims.services.bulk_review.approve_claims): run it there, as
    # production does, and time it apart; the e-mails it queues are sent
    # with the others by the worker below.
    began = time.perf_counter()
    for stored in DBTaskResult.objects.filter(task_path__endswith=".approve_claims"):
        run_stored_task(stored, "bench")
    elapsed = time.perf_counter() - began
    print(f"{'validate all (worker)':<34}{elapsed * 1000:>9.0f} ms  {goal(elapsed, 2)}")
    validated = Claim.objects.filter(status="approved").count()
    print(f"{'':<34}{validated} validated")
    timed(
        "put into payment (one batch)",
        lambda: client.post(
            queue,
            {
                "action": "put_into_payment",
                "select_across": "1",
                "_selected_action": ids[:50],
            },
        ),
    )
    batch = PaymentBatch.objects.get()
    print(f"{'':<34}{batch.claims.count()} claims in batch {batch.reference}")
    timed(
        "dashboard after",
        lambda: client.get(reverse("admin:index")),
    )
    timed(
        "export file (CSV)",
        lambda: client.post(
            reverse("admin:claims_paymentbatch_export", args=[batch.pk])
        ),
    )
    timed(
        "batch page",
        lambda: client.get(
            reverse("admin:claims_paymentbatch_change", args=[batch.pk])
        ),
    )
    timed(
        "mark paid",
        lambda: client.post(reverse("admin:claims_paymentbatch_paid", args=[batch.pk])),
    )
    recap_layout: list[float] = []
    lay_out = exports.batch_recap_pdf

    def timed_recap(batch):
        began = time.perf_counter()
        try:
            return lay_out(batch)
        finally:
            recap_layout.append(time.perf_counter() - began)

    exports.batch_recap_pdf = timed_recap
    began = time.perf_counter()
    call_command("db_worker", batch=True, verbosity=0)
    elapsed = time.perf_counter() - began
    label = "worker: every queued task"
    print(f"{label:<34}{elapsed * 1000:>9.0f} ms  {goal(elapsed, 8)}")
    print(f"{'  of which the recap PDF':<34}{sum(recap_layout) * 1000:>9.0f} ms")
    print(f"{'':<34}{len(getattr(mail, 'outbox', []))} e-mails sent, recap PDF ready")
    timed(
        "recap PDF download",
        lambda: client.get(reverse("admin:claims_paymentbatch_recap", args=[batch.pk])),
    )


if __name__ == "__main__":
    main()
