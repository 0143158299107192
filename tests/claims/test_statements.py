"""The yearly statement of payments: what it lists and totals, who reads it,
and everyone's produced by the division in one background job."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from claims import services, statements
from claims.models import Claim, ClaimStatus, PaymentBatch
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.entry_helpers import pdf_text
from tests.claims.review_helpers import checked_financial_file, claim_in
from tests.claims.test_pdf_text import assert_in_marianne, money

S = ClaimStatus
pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _files(private_files_in_a_temporary_folder, settings):
    settings.TRAVEL_ENABLED = False


def paid(participant, manager, *, pay: bool = True) -> Claim:
    """A new claim of the participant, validated and put into payment in a
    batch of its own, paid unless `pay` is false."""
    claim = claim_in(S.APPROVED, participant, manager)
    batch = services.payment_batch_create(claim_ids=[claim.pk], by=manager).batch
    if pay:
        services.payment_batch_export(batch=batch, by=manager)
        services.payment_batch_mark_paid(batch=batch, by=manager)
    return Claim.objects.select_related("payment_batch").get(pk=claim.pk)


def paid_in(year: int, claim: Claim) -> Claim:
    """Move the claim's batch's payment into `year` (mid-June)."""
    PaymentBatch.objects.filter(pk=claim.payment_batch_id).update(
        paid_at=timezone.make_aware(datetime(year, 6, 15, 10, 0))
    )
    return Claim.objects.select_related("payment_batch").get(pk=claim.pk)


@pytest.fixture
def history(participant, manager):
    """Two claims paid this year, one paid last year, one still in payment,
    and another participant's claim paid this year."""
    checked_financial_file(participant, manager)
    this_year = [paid(participant, manager) for _ in range(2)]
    last_year = paid_in(THIS_YEAR - 1, paid(participant, manager))
    pending = paid(participant, manager, pay=False)
    someone = factories.UserFactory()
    checked_financial_file(someone, manager)
    other = paid(someone, manager)
    return this_year, last_year, pending, other


def test_the_statement_lists_only_the_claims_paid_that_year(participant, history):
    this_year, last_year, pending, other = history
    statement = statements.statement_for(participant, THIS_YEAR)
    assert statement is not None
    assert [row.claim.pk for row in statement.rows] == sorted(
        claim.pk for claim in this_year
    )
    earlier = statements.statement_for(participant, THIS_YEAR - 1)
    assert earlier is not None
    assert [row.claim.pk for row in earlier.rows] == [last_year.pk]
    assert statements.years_paid(participant) == [THIS_YEAR, THIS_YEAR - 1]
    assert statements.statement_for(participant, THIS_YEAR - 2) is None


def test_totals_equal_the_sums_over_the_batches_claims(participant, history):
    this_year = history[0]
    statement = statements.statement_for(participant, THIS_YEAR)
    assert statement is not None
    sums = Claim.objects.filter(
        payment_batch__in={claim.payment_batch_id for claim in this_year},
        assignment__participant=participant,
    ).aggregate(r=Sum("remuneration_amount"), t=Sum("travel_amount"))
    (totals,) = statement.totals
    assert totals.remuneration == sums["r"] > 0
    assert totals.travel == sums["t"]
    assert totals.total == sums["r"] + sums["t"]
    assert totals.remuneration == sum(
        (claim.frozen_amounts()[0] for claim in this_year), Decimal(0)
    )


def test_the_pdf_reads_as_a_statement(signed_in, participant, history, settings):
    this_year = history[0]
    response = signed_in.get(reverse("claims:statement", args=[THIS_YEAR]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Cache-Control"].startswith("max-age=0")
        or "no-store" in (response["Cache-Control"])
    )
    assert_in_marianne(response.content)
    text = pdf_text(response.content)
    assert f"Attestation de paiement — année {THIS_YEAR}" in text
    assert settings.AUTHORITY_NAME in text
    assert " ".join(settings.AUTHORITY_REFERENCE.split()) in text
    for claim in this_year:
        assert f"État de frais n° {claim.pk}" in text
        assert f"Lot {claim.payment_batch.reference}" in text
        assert claim.payment_batch.paid_at.strftime("%d/%m/%Y") in text
    assert f"État de frais n° {history[1].pk}" not in text
    assert f"État de frais n° {history[2].pk}" not in text
    total = sum((claim.remuneration_amount for claim in this_year), Decimal(0))
    assert f"Rémunérations brutes {money(total)}" in text
    assert "les rémunérations sont imposables" in text
    assert "les remboursements de frais de déplacement ne le sont pas" in text
    assert f"Établi le {timezone.localdate().day}" in text


def test_the_page_lists_the_years_with_payments(signed_in, participant, history):
    response = signed_in.get(reverse("claims:statements"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("claims:statement", args=[THIS_YEAR]) in html
    assert reverse("claims:statement", args=[THIS_YEAR - 1]) in html
    assert reverse("claims:statement", args=[THIS_YEAR - 2]) not in html


def test_another_participants_statement_is_unreachable(client, history):
    other = history[3]
    outsider = factories.UserFactory()
    client.force_login(outsider)
    response = client.get(reverse("claims:statement", args=[THIS_YEAR]))
    assert response.status_code == 404
    # The owner reaches theirs, with their claim only.
    client.force_login(other.assignment.participant)
    text = pdf_text(client.get(reverse("claims:statement", args=[THIS_YEAR])).content)
    assert f"État de frais n° {other.pk}" in text
    assert f"État de frais n° {history[0][0].pk}" not in text


@pytest.mark.parametrize(
    "year",
    ["0", "1", "1999", "9999", "10000", "99999999999999999999999", str(THIS_YEAR + 1)],
)
def test_hostile_years_answer_404(signed_in, history, year):
    response = signed_in.get(f"/mes-etats-de-frais/attestations/{year}/")
    assert response.status_code == 404


@pytest.mark.parametrize("year", ["-1", "2026abc", "%00", "abcd", "２０２６"])
def test_years_that_are_not_numbers_match_no_page(signed_in, year):
    response = signed_in.get(f"/mes-etats-de-frais/attestations/{year}/")
    assert response.status_code in (400, 404)  # a NUL byte is refused at once


def test_a_year_without_payment_answers_404(signed_in):
    assert (
        signed_in.get(reverse("claims:statement", args=[THIS_YEAR])).status_code == 404
    )
    page = signed_in.get(reverse("claims:statements"))
    assert "Aucun paiement pour l'instant" in page.content.decode()


# ------------------------------------------------------------ the bulk job


def test_the_job_produces_one_statement_per_participant_paid(
    client, manager, participant, history
):
    client.force_login(manager)
    page = client.get(reverse("admin:claims_statements"))
    assert page.status_code == 200
    response = client.post(reverse("admin:claims_statements"), {"year": THIS_YEAR})
    assert response.status_code == 200  # tasks run at once in tests
    assert "2 attestations de paiement produites" in response.content.decode()
    key = response.context["key"]
    download = client.get(
        reverse("admin:claims_statements_download", args=[THIS_YEAR, key])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive.namelist())
    other = history[3].assignment.participant
    assert names == sorted(
        f"attestation-paiements-{THIS_YEAR}-{user.username}.pdf"
        for user in (participant, other)
    )
    theirs = pdf_text(
        archive.read(f"attestation-paiements-{THIS_YEAR}-{other.username}.pdf")
    )
    assert f"État de frais n° {history[3].pk}" in theirs
    assert f"État de frais n° {history[0][0].pk}" not in theirs
    actions = list(
        AuditEvent.objects.filter(actor=manager)
        .filter(action__startswith="claims.statement")
        .values_list("action", flat=True)
    )
    assert actions.count(statements.PRODUCED_ACTION) == 2
    assert statements.JOB_ACTION in actions
    assert statements.DOWNLOAD_ACTION in actions


def test_only_the_launching_manager_downloads_the_zip(client, manager, history):
    client.force_login(manager)
    key = client.post(reverse("admin:claims_statements"), {"year": THIS_YEAR}).context[
        "key"
    ]
    url = reverse("admin:claims_statements_download", args=[THIS_YEAR, key])
    client.force_login(factories.ManagerFactory())
    assert client.get(url).status_code == 404
    client.force_login(factories.AdministratorFactory())
    assert client.get(url).status_code == 403


def test_a_year_without_payment_cannot_be_chosen(client, manager, history):
    client.force_login(manager)
    response = client.post(reverse("admin:claims_statements"), {"year": "1990"})
    assert response.status_code == 400
    assert "Choisissez une des années proposées" in response.content.decode()
    response = client.post(reverse("admin:claims_statements"), {"year": "x" * 50})
    assert response.status_code == 400


def test_progress_page_refuses_others(client, manager):
    url = reverse(
        "admin:claims_statements_progress",
        args=["00000000-0000-0000-0000-000000000000"],
    )
    client.force_login(factories.AdministratorFactory())
    assert client.get(url).status_code == 403
    client.force_login(manager)
    # Tasks run at once in tests: no stored result to follow.
    assert client.get(url).status_code == 404


# The worker opens its own connection: on PostgreSQL, not from inside the
# transaction a plain test runs in.
@pytest.mark.django_db(transaction=True)
def test_in_production_the_job_is_followed_then_reported(
    client, manager, participant, history, settings
):
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(manager)
    launched = client.post(reverse("admin:claims_statements"), {"year": THIS_YEAR})
    assert launched.status_code == 302
    progress_url = launched["Location"]
    waiting = client.get(progress_url)
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert "data-progress" in html and "imagin/progress.js" in html
    assert "Production de 2 attestations de" in html
    assert f'href="{progress_url}">Actualiser' in html

    other = factories.ManagerFactory()
    client.force_login(other)
    assert client.get(progress_url).status_code == 404

    call_command("db_worker", batch=True, interval=0, verbosity=0)

    client.force_login(manager)
    done = client.get(progress_url)
    assert done.status_code == 200
    assert "data-progress-report-page" in done.content.decode()
    download = client.get(
        reverse(
            "admin:claims_statements_download", args=[THIS_YEAR, done.context["key"]]
        )
    )
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert len(names) == 2


def test_the_payment_batches_list_leads_to_the_yearly_statements(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:claims_paymentbatch_changelist"))
    assert response.status_code == 200
    assert reverse("admin:claims_statements") in response.content.decode()
