"""Where a claim's payment stands, for its participant: the steps on one line
(entered, validated by them, validated by the division, put into payment,
paid), each with its date once reached, and, when the claim is stuck, what
blocks it and who must act, one sentence each.

Everything is read from the claim, its payment batch, the participant's
financial file and two dates of the audit log (the first save, the latest
send-back): nothing is stored for the tracker. `trackers_for` builds the
trackers of a list of claims in a fixed number of queries.

Blocking rules, in the order they are shown:
- the financial file (before the claim is in a batch): missing or to renew
  (the participant), bank details not yet checked (the division) — a batch
  takes only claims whose file the division checked;
- a draft past the session's deadline (the participant: contact the division);
- sent back for correction (the participant), with its date;
- a supporting document missing on a submitted or returned claim (the
  participant);
- submitted: the division's queue, since the submission date;
- validated: waiting for a payment batch (the division);
- in a batch not yet exported (the division); exported: paid by the
  accounting officer / payroll, expected in the export's month plus
  settings.PAYMENT_DELAY_MONTHS.
A mission not performed, a cancelled claim and one without cost end with a
short final state and no steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import FinancialFile, FinancialFileStatus
from claims import flow
from claims.models import (
    Claim,
    ClaimStatus,
    PaymentBatch,
    PaymentBatchStatus,
    SupportingDocument,
)
from imagin.audit import AuditEvent
from missions.certificates import certified_on, service_done_wait

SAVED = "claims.claim.saved"
RETURNED = "claims.claim.returned"
# The annotations `with_dates` puts on a queryset's claims, read instead of a
# query of the audit log.
FIRST_SAVED = "tracker_first_saved_at"
LAST_RETURNED = "tracker_returned_at"

S = ClaimStatus
# The final states: no payment follows, the tracker says so in a few words.
FINAL = {
    S.NOT_PERFORMED: gettext_lazy("Mission non effectuée : aucun paiement."),
    S.CLOSED: gettext_lazy("Mission non effectuée : aucun paiement."),
    S.CANCELLED: gettext_lazy("État de frais annulé : aucun paiement."),
    S.NO_COST: gettext_lazy("Pas de frais : aucun paiement."),
}
# Before a batch: the claim will need a financial file the division checked.
BEFORE_A_BATCH = frozenset({S.DRAFT, S.RETURNED, S.SUBMITTED, S.APPROVED})
# Supporting documents count while the division has not validated the claim.
DOCUMENTS_AWAITED = frozenset({S.SUBMITTED, S.RETURNED})
SUBMITTED_OR_LATER = frozenset({S.SUBMITTED, S.APPROVED, S.IN_PAYMENT, S.PAID})
APPROVED_OR_LATER = frozenset({S.APPROVED, S.IN_PAYMENT, S.PAID})


class StepState(Enum):
    DONE = "done"
    CURRENT = "current"
    TO_COME = "to_come"


class Actor(Enum):
    """Who must act to unblock a claim."""

    PARTICIPANT = "participant"
    DIVISION = "division"
    PAYER = "payer"
    CENTRE_HEAD = "centre_head"

    @property
    def label(self) -> str:
        return str(ACTOR_LABELS[self])


ACTOR_LABELS = {
    Actor.PARTICIPANT: gettext_lazy("vous"),
    Actor.DIVISION: gettext_lazy("la division"),
    Actor.PAYER: gettext_lazy("l'agent comptable / la paie"),
    Actor.CENTRE_HEAD: gettext_lazy("le chef de centre"),
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: StepState
    when: datetime | None = None
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.state is StepState.DONE

    @property
    def current(self) -> bool:
        return self.state is StepState.CURRENT


@dataclass(frozen=True)
class Blocker:
    reason: str
    actor: Actor


@dataclass
class Tracker:
    steps: list[Step] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    # A short final state (not performed, cancelled, no cost): no steps then.
    final: str = ""

    @property
    def current(self) -> Step | None:
        return next((step for step in self.steps if step.current), None)


@dataclass(frozen=True)
class ClaimDates:
    """What the tracker reads from the audit log."""

    first_saved: datetime | None = None
    returned: datetime | None = None


def _day(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return formats.date_format(value, "j F Y")


def expected_payment_month(exported_at: datetime) -> str:
    """The month the pay of a batch exported at `exported_at` should carry it
    ("juillet 2027"): the export's month plus PAYMENT_DELAY_MONTHS."""
    exported = timezone.localdate(exported_at)
    months = exported.year * 12 + exported.month - 1 + settings.PAYMENT_DELAY_MONTHS
    return formats.date_format(date(months // 12, months % 12 + 1, 1), "F Y")


# ------------------------------------------------------------------ dates


def _claim_type() -> ContentType:
    return ContentType.objects.get_for_model(Claim)


def with_dates(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """`claims` annotated with the audit dates the tracker reads, so that
    building their trackers asks no query of the audit log."""
    events = AuditEvent.objects.filter(
        target_type=_claim_type(), target_id=OuterRef("pk")
    )
    return claims.annotate(
        **{
            FIRST_SAVED: Subquery(
                events.filter(action=SAVED)
                .order_by("created_at", "pk")
                .values("created_at")[:1]
            ),
            LAST_RETURNED: Subquery(
                events.filter(action=RETURNED)
                .order_by("-created_at", "-pk")
                .values("created_at")[:1]
            ),
        }
    )


def dates_of(claims: list[Claim]) -> dict[int, ClaimDates]:
    """The audit dates of `claims`: from their annotations (`with_dates`),
    otherwise in one query."""
    if all(hasattr(claim, FIRST_SAVED) for claim in claims):
        return {
            claim.pk: ClaimDates(
                getattr(claim, FIRST_SAVED), getattr(claim, LAST_RETURNED)
            )
            for claim in claims
        }
    if not claims:
        return {}
    rows = (
        AuditEvent.objects.filter(
            target_type=_claim_type(),
            target_id__in=[claim.pk for claim in claims],
            action__in=(SAVED, RETURNED),
        )
        .order_by()
        .values("target_id")
        .annotate(
            first_saved=Min("created_at", filter=Q(action=SAVED)),
            returned=Max("created_at", filter=Q(action=RETURNED)),
        )
    )
    found = {
        row["target_id"]: ClaimDates(row["first_saved"], row["returned"])
        for row in rows
    }
    return {claim.pk: found.get(claim.pk, ClaimDates()) for claim in claims}


# ------------------------------------------------------------------ steps


def service_done_step(claim: Claim) -> Step | None:
    """« Service fait certifié » by the centre head, if SERVICE_FAIT_REQUIRED."""
    if not settings.SERVICE_FAIT_REQUIRED:
        return None
    when = certified_on(claim.assignment)
    state = StepState.TO_COME if when is None else StepState.DONE
    return Step("service_done", _("Service fait certifié"), state, when)


def _steps(claim: Claim, dates: ClaimDates, batch: PaymentBatch | None) -> list[Step]:
    status = claim.status
    started = claim.is_started or dates.first_saved is not None
    participant_types = not flow.nothing_to_type(claim)
    # (key, label, date when reached, detail)
    rows: list[tuple[str, str, datetime | None, str]] = []
    if participant_types:
        rows.append(("entered", _("Saisi"), dates.first_saved, ""))
        submitted = claim.submitted_at if status in SUBMITTED_OR_LATER else None
        rows.append(("submitted", _("Validé par vous"), submitted, ""))
    certified = service_done_step(claim)
    if certified is not None:
        rows.append((certified.key, certified.label, certified.when, certified.detail))
    approved = claim.approved_at if status in APPROVED_OR_LATER else None
    rows.append(("approved", _("Validé par la division"), approved, ""))
    in_payment, paid, detail = None, None, ""
    if batch is not None and status in (S.IN_PAYMENT, S.PAID):
        in_payment = batch.exported_at or batch.created_at
        paid = batch.paid_at if status == S.PAID else None
        detail = str(batch)
    rows.append(("in_payment", _("Mis en paiement"), in_payment, detail))
    rows.append(("paid", _("Payé"), paid, ""))

    reached = {
        "entered": started,
        "submitted": status in SUBMITTED_OR_LATER,
        "service_done": certified is not None and certified.done,
        "approved": status in APPROVED_OR_LATER,
        "in_payment": status in (S.IN_PAYMENT, S.PAID),
        "paid": status == S.PAID,
    }
    # The first step not reached is the current one; those after it are to come.
    steps: list[Step] = []
    current_given = False
    for key, label, when, step_detail in rows:
        if reached.get(key, False):
            state = StepState.DONE
        elif not current_given:
            state, current_given = StepState.CURRENT, True
        else:
            state = StepState.TO_COME
        shown = when if state is StepState.DONE else None
        steps.append(Step(key, label, state, shown, step_detail))
    return steps


# --------------------------------------------------------------- blockers


def _financial_file_blockers(
    financial_file: FinancialFile | None, now: datetime
) -> list[Blocker]:
    if financial_file is None:
        return [
            Blocker(
                _(
                    "Votre dossier financier n'est pas constitué : ajoutez vos "
                    "coordonnées bancaires pour pouvoir être payé."
                ),
                Actor.PARTICIPANT,
            )
        ]
    if financial_file.is_to_renew(now):
        return [
            Blocker(
                _(
                    "Votre dossier financier a plus de %(months)d mois : "
                    "renouvelez-le pour pouvoir être payé."
                )
                % {"months": settings.FINANCIAL_FILE_VALIDITY_MONTHS},
                Actor.PARTICIPANT,
            )
        ]
    if financial_file.status != FinancialFileStatus.CHECKED:
        return [
            Blocker(
                _(
                    "Vos coordonnées bancaires n'ont pas encore été vérifiées par "
                    "la division."
                ),
                Actor.DIVISION,
            )
        ]
    return []


def _missing_documents(
    claim: Claim, financial_file: FinancialFile | None, now: datetime
) -> list[Blocker]:
    # The RIB is the financial file's, told apart above.
    return [
        Blocker(
            _("Justificatif manquant : %(document)s (%(why)s).")
            % {"document": document.label, "why": document.why},
            Actor.PARTICIPANT,
        )
        for document in flow.documents_to_send(claim, financial_file, now)
        if not document.sent and document.kind != SupportingDocument.Kind.RIB
    ]


def _blockers(
    claim: Claim,
    financial_file: FinancialFile | None,
    batch: PaymentBatch | None,
    dates: ClaimDates,
    now: datetime,
) -> list[Blocker]:
    status = claim.status
    blockers: list[Blocker] = []
    if status in BEFORE_A_BATCH:
        blockers += _financial_file_blockers(financial_file, now)
    if (
        status == S.DRAFT
        and flow.entry_state(claim, now) is flow.EntryState.DEADLINE_PASSED
    ):
        blockers.append(
            Blocker(
                _(
                    "La date limite de saisie (%(deadline)s) est dépassée : "
                    "contactez la division des examens et concours."
                )
                % {
                    "deadline": _day(
                        claim.assignment.mission.exam.session.claim_deadline
                    )
                },
                Actor.PARTICIPANT,
            )
        )
    if status == S.RETURNED:
        if dates.returned is not None:
            reason = _(
                "Renvoyé pour correction le %(date)s : corrigez-le puis validez-le "
                "de nouveau."
            ) % {"date": _day(dates.returned)}
        else:
            reason = _(
                "Renvoyé pour correction : corrigez-le puis validez-le de nouveau."
            )
        blockers.append(Blocker(reason, Actor.PARTICIPANT))
    if status in DOCUMENTS_AWAITED and claim.has_travel_part:
        blockers += _missing_documents(claim, financial_file, now)
    head = settings.SERVICE_FAIT_REQUIRED and status == S.SUBMITTED
    if head and (waiting := service_done_wait(claim.assignment)):
        blockers.append(Blocker(waiting, Actor.CENTRE_HEAD))
    if status == S.SUBMITTED and claim.submitted_at is not None:
        blockers.append(
            Blocker(
                _("En attente de vérification par la division depuis le %(date)s.")
                % {"date": _day(claim.submitted_at)},
                Actor.DIVISION,
            )
        )
    if status == S.APPROVED and not blockers:
        blockers.append(
            Blocker(
                _(
                    "Validé le %(date)s : en attente de mise en paiement par la "
                    "division."
                )
                % {"date": _day(claim.approved_at or now)},
                Actor.DIVISION,
            )
        )
    if status == S.IN_PAYMENT and batch is not None:
        if batch.status == PaymentBatchStatus.OPEN:
            blockers.append(
                Blocker(
                    _(
                        "Mis en paiement (%(batch)s) le %(date)s : pas encore "
                        "transmis au service payeur par la division."
                    )
                    % {"batch": batch, "date": _day(batch.created_at)},
                    Actor.DIVISION,
                )
            )
        elif batch.exported_at is not None:
            blockers.append(
                Blocker(
                    _(
                        "Transmis au service payeur le %(date)s : paiement attendu "
                        "en %(month)s."
                    )
                    % {
                        "date": _day(batch.exported_at),
                        "month": expected_payment_month(batch.exported_at),
                    },
                    Actor.PAYER,
                )
            )
    return blockers


# ---------------------------------------------------------------- tracker


def tracker(
    claim: Claim,
    financial_file: FinancialFile | None,
    now: datetime | None = None,
    dates: ClaimDates | None = None,
) -> Tracker:
    """The tracker of one claim (its mission loaded, as the participant's
    pages load it). Reads its audit dates (one query) unless given, and its
    batch and supporting documents unless loaded."""
    now = now or timezone.now()
    final = FINAL.get(ClaimStatus(claim.status))
    if final is not None:
        return Tracker(final=str(final))
    if dates is None:
        dates = dates_of([claim])[claim.pk]
    batch = claim.payment_batch if claim.payment_batch_id else None
    return Tracker(
        steps=_steps(claim, dates, batch),
        blockers=_blockers(claim, financial_file, batch, dates, now),
    )


_UNREAD: Any = object()


def trackers_for(
    claims: Iterable[Claim],
    user,
    now: datetime | None = None,
    *,
    financial_file: Any = _UNREAD,
) -> list[Tracker]:
    """The trackers of `user`'s `claims` (their missions loaded), in order,
    in a fixed number of queries whatever their number: the financial file
    (unless given), the audit dates (unless annotated by `with_dates`), the
    batches and the documents and travel rows of the claims that take
    documents (unless loaded)."""
    now = now or timezone.now()
    claims = list(claims)
    if financial_file is _UNREAD:
        financial_file = FinancialFile.objects.filter(user=user).first()
    going = [claim for claim in claims if claim.status not in FINAL]
    dates = dates_of(going)
    in_a_batch = [claim for claim in going if claim.payment_batch_id]
    if in_a_batch:
        prefetch_related_objects(in_a_batch, "payment_batch")
    awaiting_documents = [
        claim
        for claim in going
        if claim.status in DOCUMENTS_AWAITED and claim.has_travel_part
    ]
    if awaiting_documents:
        prefetch_related_objects(
            awaiting_documents, "documents", "trips", "meals", "nights"
        )
    if settings.SERVICE_FAIT_REQUIRED and going:
        prefetch_related_objects([c.assignment for c in going], "service_certificate")
    return [
        tracker(claim, financial_file, now, dates.get(claim.pk, ClaimDates()))
        for claim in claims
    ]
