"""Benchmark: the exam division's end of session, on a thousand claims.

Builds a throw-away database (SQLite, or the empty database named by
BENCH_DATABASE_URL, e.g. PostgreSQL) with N submitted claims of N/2
participants whose bank details are checked, then times what two managers do
in the back-office, through the pages (Django's test client, the whole
request): the dashboard, one page of the queue, the import of the marking
platform's counts (COUNTS rows, one per claim, the claims beyond absent; one
in ten differing from the claim) through its page, the queue filtered on
the counts that agree (time and queries) and how many claims agree, differ
or have no count, sending back with one reason the claims whose count
differs (the queue's action filtered on them, run by the worker as in
production: timed apart, with the e-mails it queues), validating all the
claims at once (the bulk action, whose validation runs in the worker: timed
apart; the claims sent back stay so),
putting them into payment, the file for the financial system, marking the
batch paid; then the background worker's part (sending the e-mails, laying
out the batch recap PDF), as in production, and the recap's layout alone.

    .venv/bin/python bench/back_office.py [claims [counts]]

Issue 21's figures (10,000 counts, 1,000 claims sent back): 11000 10000.
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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Commune, FinancialFile, User
from accounts.roles import MANAGER
from claims import exports
from claims.models import Claim, PaymentBatch
from missions.models import Assignment, ExamSession, Mission
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
            # What the marking platform's file names them by.
            participant_number=f"P{n:07d}",
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


def platform_counts(counts: int) -> bytes:
    """The marking platform's file: the copies of the first `counts` claims
    (by number), one row per participant and mission; one row in ten one
    copy above the claim's declaration."""
    rows = Claim.objects.order_by("pk").values_list(
        "assignment__participant__participant_number",
        "assignment__mission_id",
        "copies_declared",
    )[:counts]
    lines = ["numero_intervenant;mission;copies"] + [
        f"{number};{mission};{copies + (n % 10 == 9)}"
        for n, (number, mission, copies) in enumerate(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def compare_counts(client: Client, queue: str, counts: int) -> None:
    """Import the platform's counts through their page; the queue filtered on
    the claims that agree; how many agree, differ, have none."""
    content = platform_counts(counts)
    imported = timed(
        f"import {counts} platform counts",
        lambda: client.post(
            reverse("admin:claims_upstreamcount_import"),
            {
                "session": ExamSession.objects.get().pk,
                "file": SimpleUploadedFile("comptages.csv", content, "text/csv"),
            },
        ),
        "(the import page, CSV)",
    )
    result = imported.context_data["result"]
    assert result.created == counts and not result.errors, result
    with CaptureQueriesContext(connection) as queries:
        timed(
            "queue, comptage=conforme",
            lambda: client.get(queue + "?comptage=conforme"),
            "(first page)",
        )
    print(f"{'':<34}{len(queries)} queries")
    found = {
        value: client.get(f"{queue}?comptage={value}").context_data["cl"].result_count
        for value in ("conforme", "different", "absent")
    }
    print(
        f"{'':<34}{found['conforme']} matched, {found['different']} differed, "
        f"{found['absent']} absent"
    )


def send_back_differing(client: Client, queue: str) -> None:
    """Select every claim whose count differs ("select all" on the filtered
    queue) and send them back with one reason, as a manager does: the
    action's confirmation page, the reason posted, the worker's run timed
    apart (then the e-mails it queued, also by the worker)."""
    differing = queue + "?comptage=different"
    first_page = list(
        Claim.objects.order_by("-submitted_at").values_list("pk", flat=True)[:50]
    )
    selection = {
        "action": "return_selected",
        "select_across": "1",
        "_selected_action": first_page,
    }
    timed(
        "send back: confirmation page",
        lambda: client.post(differing, selection),
    )
    posted = timed(
        "send back: reason posted",
        lambda: client.post(
            differing,
            {
                **selection,
                "confirm": "1",
                "reason": "Le nombre de copies diffère de celui de la plateforme "
                "de correction : corrigez-le.",
            },
        ),
    )
    if posted.status_code == 200:  # a page of claims at most: decided at once
        done, refused = posted.context_data["done"], posted.context_data["refused"]
    else:
        began = time.perf_counter()
        outcomes = []
        for stored in DBTaskResult.objects.filter(task_path__endswith=".decide_claims"):
            run_stored_task(stored, "bench")
            stored.refresh_from_db()
            outcomes += stored.return_value or []
        elapsed = time.perf_counter() - began
        print(f"{'send back (worker)':<34}{elapsed * 1000:>9.0f} ms")
        done = sum(1 for _claim, ok, _text in outcomes if ok)
        refused = len(outcomes) - done
    returned = Claim.objects.filter(status="returned").count()
    print(f"{'':<34}{done} sent back, {refused} refused, {returned} claims returned")
    began = time.perf_counter()
    sent = len(getattr(mail, "outbox", []))
    call_command("db_worker", batch=True, verbosity=0)
    elapsed = time.perf_counter() - began
    sent = len(getattr(mail, "outbox", [])) - sent
    print(f"{'send back: e-mails (worker)':<34}{elapsed * 1000:>9.0f} ms  {sent} sent")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    counts = min(int(sys.argv[2]) if len(sys.argv) > 2 else count, count)
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
    compare_counts(client, queue, counts)
    send_back_differing(client, queue)
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
    # The send-back's e-mails left earlier (send_back_differing).
    before = len(getattr(mail, "outbox", []))
    began = time.perf_counter()
    call_command("db_worker", batch=True, verbosity=0)
    elapsed = time.perf_counter() - began
    label = "worker: every queued task"
    print(f"{label:<34}{elapsed * 1000:>9.0f} ms  {goal(elapsed, 8)}")
    print(f"{'  of which the recap PDF':<34}{sum(recap_layout) * 1000:>9.0f} ms")
    sent = len(getattr(mail, "outbox", [])) - before
    print(f"{'':<34}{sent} e-mails sent, recap PDF ready")
    timed(
        "recap PDF download",
        lambda: client.get(reverse("admin:claims_paymentbatch_recap", args=[batch.pk])),
    )


if __name__ == "__main__":
    main()
