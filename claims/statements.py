"""The yearly statement of payments (attestation annuelle de paiement).

For one participant and one calendar year: every claim paid that year, a
claim counting in the year its payment batch was marked paid
(`PaymentBatch.paid_at`, in the deployment's time zone), with the amounts
frozen at validation (`Claim.frozen_amounts`): gross remuneration and travel
refunds, then their totals. The participant keeps it; it may help with their
income tax return: the remuneration is taxable, travel refunds are not.

A participant downloads their own (`claims.views.statements`); the division
produces everyone's for a year in one background job, one ZIP of PDFs in
private storage (`produce_statements`, the task declared here beside its
work; followed by `claims.admin.statements`).
"""

from __future__ import annotations

import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import slugify
from django_tasks import task

from accounts.models import User
from accounts.storage import private_storage
from claims.models import Claim, ClaimStatus, PaymentBatchStatus
from claims.selectors import CLAIM_RELATED
from imagin.audit import AuditEvent, audit_log_many
from imagin.pdf import render_pdf, start_pdfs

TEMPLATE = "claims/statement_pdf.html"
# The first year a statement may name: before it, nothing was paid here. A
# year outside [FIRST_YEAR, this year] is refused before any query (a year
# the database's date functions cannot hold must never reach them).
FIRST_YEAR = 2000
# Statements laid out together in the background job, then written to the ZIP
# with their audit events: progress moves every chunk.
CHUNK_SIZE = 40
PRODUCED_ACTION = "claims.statement.produced"
JOB_ACTION = "claims.statements.started"
DOWNLOAD_ACTION = "claims.statements.downloaded"


def valid_year(year: int) -> bool:
    return FIRST_YEAR <= year <= timezone.localdate().year


# ------------------------------------------------------------ one statement


@dataclass(frozen=True)
class Row:
    claim: Claim
    remuneration: Decimal
    travel: Decimal

    @property
    def total(self) -> Decimal:
        return self.remuneration + self.travel


@dataclass
class Totals:
    currency: str
    remuneration: Decimal = Decimal(0)
    travel: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.remuneration + self.travel


@dataclass
class Statement:
    participant: User
    year: int
    rows: list[Row] = field(default_factory=list)
    # One entry per currency paid that year (one, but where a participant
    # worked both in euros and in CFP francs).
    totals: list[Totals] = field(default_factory=list)

    @property
    def filename(self) -> str:
        who = slugify(self.participant.username)
        return f"attestation-paiements-{self.year}-{who}.pdf"


def paid_claims(year: int) -> QuerySet[Claim]:
    """The claims paid in `year` (by their batch's paid date), with what the
    statement prints."""
    return (
        Claim.objects.filter(
            status=ClaimStatus.PAID,
            payment_batch__status=PaymentBatchStatus.PAID,
            payment_batch__paid_at__year=year,
        )
        .select_related(*CLAIM_RELATED, "assignment__mission__centre", "payment_batch")
        .order_by(
            "assignment__participant_id",
            "payment_batch__paid_at",
            "assignment__mission__starts_at",
            "pk",
        )
    )


def years_paid(participant: User) -> list[int]:
    """The years in which the participant was paid, the latest first."""
    dates = Claim.objects.filter(
        assignment__participant=participant,
        status=ClaimStatus.PAID,
        payment_batch__status=PaymentBatchStatus.PAID,
        payment_batch__paid_at__isnull=False,
    ).dates("payment_batch__paid_at", "year", order="DESC")
    return [day.year for day in dates]


def _statement(participant: User, year: int, claims: Iterable[Claim]) -> Statement:
    statement = Statement(participant, year)
    by_currency: dict[str, Totals] = {}
    for claim in claims:
        remuneration, travel = claim.frozen_amounts()
        statement.rows.append(Row(claim, remuneration, travel))
        totals = by_currency.setdefault(claim.currency, Totals(claim.currency))
        totals.remuneration += remuneration
        totals.travel += travel
    statement.totals = list(by_currency.values())
    return statement


def statement_for(participant: User, year: int) -> Statement | None:
    """The participant's statement for `year`, or None when nothing was paid
    to them that year (or the year is not one a statement may name)."""
    if not valid_year(year):
        return None
    claims = list(paid_claims(year).filter(assignment__participant=participant))
    return _statement(participant, year, claims) if claims else None


def _context(statement: Statement, now: datetime) -> dict:
    travel = any(row.travel for row in statement.rows)
    return {
        "statement": statement,
        "participant": statement.participant,
        "show_travel": settings.TRAVEL_ENABLED or travel,
        "AUTHORITY_REFERENCE": settings.AUTHORITY_REFERENCE,
        "printed_at": now,
    }


def statement_pdf(statement: Statement) -> bytes:
    return render_pdf(TEMPLATE, _context(statement, timezone.now()))


# ------------------------------------------------- everyone's, in background


def participants_paid(year: int) -> list[int]:
    """The ids of everyone paid in `year`, in order."""
    if not valid_year(year):
        return []
    return list(
        paid_claims(year)
        .order_by("assignment__participant_id")
        .values_list("assignment__participant_id", flat=True)
        .distinct()
    )


def _statements(year: int, participant_ids: Sequence[int]) -> list[Statement]:
    """The statements of these participants, from one query."""
    grouped: dict[int, list[Claim]] = {}
    for claim in paid_claims(year).filter(
        assignment__participant_id__in=list(participant_ids)
    ):
        grouped.setdefault(claim.assignment.participant_id, []).append(claim)
    return [
        _statement(claims[0].assignment.participant, year, claims)
        for claims in grouped.values()
    ]


def statements_zip(*, year: int, by: User) -> tuple[str, int]:
    """Lay out the statement of everyone paid in `year` and store them in one
    ZIP in private storage: (its name in storage, the number of statements).

    Each statement produced leaves an audit event naming its participant
    (`PRODUCED_ACTION`, by the manager): that is also the job's progress."""
    ids = participants_paid(year)
    now = timezone.now()
    with tempfile.TemporaryFile() as spooled:
        with zipfile.ZipFile(spooled, "w", zipfile.ZIP_DEFLATED) as archive:
            for start in range(0, len(ids), CHUNK_SIZE):
                statements = _statements(year, ids[start : start + CHUNK_SIZE])
                pdfs = start_pdfs(
                    TEMPLATE, [_context(statement, now) for statement in statements]
                )()
                for statement, content in zip(statements, pdfs, strict=True):
                    archive.writestr(statement.filename, content)
                audit_log_many(
                    actor=by,
                    action=PRODUCED_ACTION,
                    targets=[(statement.participant, "") for statement in statements],
                    data={"year": year},
                )
        spooled.seek(0)
        name = private_storage().save(
            f"statements/{year}/attestations-{year}-{uuid.uuid4().hex}.zip",
            File(spooled),
        )
    return name, len(ids)


def produced_so_far(year: int, by: User, since: datetime) -> int:
    """How many statements `by` has produced since `since` (one query)."""
    return AuditEvent.objects.filter(
        action=PRODUCED_ACTION,
        target_type=ContentType.objects.get_for_model(User),
        actor=by,
        created_at__gte=since,
        data__year=year,
    ).count()


@task()
def produce_statements(year: int, manager_id: int, language: str) -> dict[str, object]:
    """Everyone's statement for `year` in one ZIP (`statements_zip`), in
    `language` (the manager's when they launched it); returns where it is
    stored and how many statements it holds, for the progress page."""
    manager = User.objects.get(pk=manager_id)
    with translation.override(language):
        name, count = statements_zip(year=year, by=manager)
    return {"file": name, "count": count}
