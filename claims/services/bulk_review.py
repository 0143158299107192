"""Validating many claims at once, set-based, with every rule of `claim_approve`.

A chunk of claims is validated in one transaction and a fixed number of
queries whatever its size: the claims locked and loaded together, one rate
book per currency, the car kilometres already counted read once, the guards
of the one-by-one path (`review.can_decide`: four eyes, status, amount to
enter) and its pricing (`review.approval_amounts`), the old lines deleted and
the frozen ones inserted in one query each, then the claims moved by
`workflow.apply_transitions`: one UPDATE with each claim's amounts and one
INSERT of audit events, each with its own amounts as `claim_approve` writes
them. A refused claim keeps its status and gets its reason in the outcome.
Each validated participant gets the e-mail `claim_approve` sends, rendered
and queued by one task per chunk once committed (`queue_decision_emails`).

Chunks commit one after the other, so progress can be followed and a failure
costs one chunk only: that chunk is then validated one claim at a time
through `claim_approve`, each claim undone alone.

A large selection runs in the background (`approve_claims`, the task declared
here beside its work, as the convocation runs are in `claims.runs`).

The run in chunks (`in_chunks`), the lock of a chunk (`lock_chunk`), the
one-by-one fallback (`one_outcome`) and the progress count
(`approved_so_far`, by audit action) serve the other decisions taken on many
claims too (`claims.services.bulk_decisions`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet, prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import User
from claims import notifications, selectors
from claims.models import CLAIM_TRANSITIONS, Claim, ClaimLine, ClaimStatus
from claims.money import format_money
from claims.rate_book import RateBook
from claims.services import review
from imagin.audit import AuditEvent
from imagin.workflow import TransitionNotAllowed, apply_transitions

logger = logging.getLogger(__name__)

# Claims validated per transaction: small enough that progress moves and a
# failure undoes little, large enough that the queries stay a handful.
CHUNK_SIZE = 250
APPROVED_ACTION = "claims.claim.approved"


@dataclass(frozen=True)
class Outcome:
    """What became of one selected claim, as the report lists it."""

    claim_id: int
    ok: bool
    text: str


def chunks(ids: Sequence[int], size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def claims_approve(*, claim_ids: Sequence[int], by: User) -> list[Outcome]:
    """Validate the claims, chunk by chunk; one outcome per id, in id order.

    Never raises for a claim: a refusal or an unexpected failure is that
    claim's outcome. Texts are in the active language.
    """
    return in_chunks(
        claim_ids,
        lambda chunk: approve_chunk(claim_ids=chunk, by=by),
        lambda claim_id: approve_one(claim_id, by),
    )


def in_chunks(
    claim_ids: Sequence[int],
    chunk_decided: Callable[[list[int]], list[Outcome]],
    one_decided: Callable[[int], Outcome],
) -> list[Outcome]:
    """A decision on many claims, chunk after chunk (`chunk_decided`, set-based,
    one transaction each); a chunk that fails is decided again one claim at a
    time (`one_decided`), so the run never stops half-way. Outcomes in id order."""
    outcomes: list[Outcome] = []
    for chunk in chunks(claim_ids):
        try:
            outcomes += chunk_decided(chunk)
        except Exception:  # one bad claim must not stop the others
            logger.exception("Set-based decision failed; claim by claim instead")
            outcomes += [one_decided(claim_id) for claim_id in chunk]
    return outcomes


def one_outcome(
    claim_id: int, decide: Callable[[Claim], Claim], done: Callable[[Claim], str]
) -> Outcome:
    """The one-by-one path of a decision, in its own transaction (the
    service's): `decide` the claim, `done` the text of its outcome."""
    try:
        claim = Claim.objects.get(pk=claim_id)
        decided = decide(claim)
    except Claim.DoesNotExist:
        return Outcome(claim_id, False, _("Cet état de frais n'existe plus."))
    except (ValidationError, PermissionDenied, TransitionNotAllowed) as refused:
        return Outcome(claim_id, False, review.refusal_text(refused))
    except Exception:
        logger.exception("Bulk decision on claim %s failed", claim_id)
        return Outcome(
            claim_id, False, _("Erreur inattendue : réessayez pour celui-ci.")
        )
    return Outcome(claim_id, True, done(decided))


def approve_one(claim_id: int, by: User) -> Outcome:
    """The one-by-one path, in its own transaction (the service's)."""
    return one_outcome(
        claim_id,
        lambda claim: review.claim_approve(claim=claim, by=by),
        _approved_text,
    )


def _approved_text(claim: Claim) -> str:
    return _("Validé : %s.") % format_money(claim.total_amount, claim.currency)


def lock_chunk(
    claim_ids: Sequence[int], claims: QuerySet[Claim]
) -> tuple[list[Claim], dict[int, Outcome]]:
    """The chunk's claims from `claims`, locked, in id order; and the outcome
    of each id no longer there."""
    locked = list(
        claims.select_for_update(of=("self",)).filter(pk__in=claim_ids).order_by("pk")
    )
    found = {claim.pk for claim in locked}
    gone = {
        claim_id: Outcome(claim_id, False, _("Cet état de frais n'existe plus."))
        for claim_id in claim_ids
        if claim_id not in found
    }
    return locked, gone


def approve_chunk(*, claim_ids: Sequence[int], by: User) -> list[Outcome]:
    """Validate these claims in one transaction and a fixed number of queries."""
    with transaction.atomic():
        claims, outcomes = lock_chunk(
            claim_ids,
            selectors.claims_for_pricing().prefetch_related("trips", "meals", "nights"),
        )
        if settings.SERVICE_FAIT_REQUIRED:
            # The guard reads each claim's service certificate: all at once.
            assignments = [claim.assignment for claim in claims]
            prefetch_related_objects(assignments, "service_certificate")
        # Submitted and validated claims both count in the yearly distance:
        # validating one of a chunk does not change another's prior kilometres.
        counted = selectors.counted_car_trips_by_participant(
            claim.assignment.participant_id for claim in claims if claim.has_travel_part
        )
        books: dict[str, RateBook] = {}
        approved: list[Claim] = []
        lines: list[ClaimLine] = []
        for claim in claims:
            allowed, reason = review.can_decide(claim, by, review.Decision.APPROVE)
            if not allowed:
                outcomes[claim.pk] = Outcome(claim.pk, False, reason)
                continue
            if claim.currency not in books:
                books[claim.currency] = selectors.rate_book(claim.currency)
            theirs = counted.get(claim.assignment.participant_id, [])
            try:
                priced = review.approval_amounts(claim, books[claim.currency], theirs)
            except ValidationError as problems:
                outcomes[claim.pk] = Outcome(
                    claim.pk, False, review.refusal_text(problems)
                )
                continue
            claim.remuneration_amount = priced.remuneration
            claim.travel_amount = priced.travel
            lines += review.frozen_lines(claim, priced)
            approved.append(claim)
        _freeze(approved, lines, by)
        for claim in approved:
            outcomes[claim.pk] = Outcome(claim.pk, True, _approved_text(claim))
        if approved:
            ids = [claim.pk for claim in approved]
            transaction.on_commit(
                lambda: queue_decision_emails.enqueue(ids, "approved"), robust=True
            )
    return [outcomes[claim_id] for claim_id in sorted(outcomes)]


def _freeze(approved: list[Claim], lines: list[ClaimLine], by: User) -> None:
    """Write the validated claims' lines, amounts, status and audit events:
    four queries whatever their number (SQLite splits long ones)."""
    if not approved:
        return
    now = timezone.now()
    ClaimLine.objects.filter(claim__in=approved).delete()
    ClaimLine.objects.bulk_create(lines)
    apply_transitions(
        approved,
        table=CLAIM_TRANSITIONS,
        to_status=ClaimStatus.APPROVED,
        by=by,
        action=APPROVED_ACTION,
        # The rows are locked: the version read is the one incremented.
        values={"approved_at": now, "updated_at": now, "version": F("version") + 1},
        own_values=("remuneration_amount", "travel_amount"),
        event_data=lambda claim: {
            "remuneration_amount": str(claim.remuneration_amount),
            "travel_amount": str(claim.travel_amount),
            "currency": claim.currency,
        },
    )


def approved_so_far(
    claim_ids: Sequence[int], by: User, since: datetime, action: str = APPROVED_ACTION
) -> int:
    """How many of the claims `by` has decided (`action`: validated unless
    said) since `since`: the progress of a decision running in the background
    (one query)."""
    return AuditEvent.objects.filter(
        action=action,
        target_type=ContentType.objects.get_for_model(Claim),
        target_id__in=list(claim_ids),
        actor=by,
        created_at__gte=since,
    ).count()


# ------------------------------------------------------------ background


@task()
def approve_claims(
    claim_ids: list[int], manager_id: int, language: str
) -> list[list[object]]:
    """Validate the claims a manager selected (`claims_approve`); returns
    [claim id, validated, text] per claim, in `language` (the manager's when
    they launched it), for the report page."""
    manager = User.objects.get(pk=manager_id)
    with translation.override(language):
        outcomes = claims_approve(claim_ids=claim_ids, by=manager)
    return [[outcome.claim_id, outcome.ok, outcome.text] for outcome in outcomes]


@task()
def queue_decision_emails(claim_ids: list[int], decision: str) -> None:
    """Render and queue the e-mails of a decision taken on many claims at once
    (`notifications.decisions_queued`), one `send_email` task each."""
    claims = selectors.claims_for_pricing().filter(pk__in=claim_ids).order_by("pk")
    notifications.decisions_queued(list(claims), decision)
