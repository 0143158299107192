"""Validating many claims at once, set-based, with every rule of `claim_approve`.

A chunk of claims is validated in one transaction and a fixed number of
queries whatever its size: the claims locked and loaded together, one rate
book, the car kilometres already counted read once, the guards of the
one-by-one path (`review.can_decide`: four eyes, status, amount to enter)
and its pricing, the old lines deleted and the frozen ones inserted in one
query each, the claims updated in one query and their audit events (each with
its own amounts, as `claim_approve` writes them) inserted in one. A refused
claim keeps its status and gets its reason in the outcome. Each validated
participant gets the e-mail `claim_approve` sends, rendered and queued by one
task per chunk once committed (`claims.tasks.queue_decision_emails`): the
validation does not wait on a thousand templates and queue rows.

Chunks commit one after the other, so progress can be followed and a
failure costs one chunk only: that chunk is then validated one claim at a
time through `claim_approve`, each claim undone alone, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from claims import amounts, selectors, tasks
from claims.models import CLAIM_TRANSITIONS, Claim, ClaimLine, ClaimStatus
from claims.money import format_money
from claims.rate_book import RateBook
from claims.services import review
from imagin.audit import AuditEvent, _actor_fields
from imagin.workflow import TransitionNotAllowed

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
    outcomes: list[Outcome] = []
    for chunk in chunks(claim_ids):
        try:
            outcomes += approve_chunk(claim_ids=chunk, by=by)
        except Exception:  # one bad claim must not stop the others
            logger.exception("Set-based validation failed; claim by claim instead")
            outcomes += [approve_one(claim_id, by) for claim_id in chunk]
    return outcomes


def approve_one(claim_id: int, by: User) -> Outcome:
    """The one-by-one path, in its own transaction (the service's)."""
    try:
        claim = Claim.objects.get(pk=claim_id)
        approved = review.claim_approve(claim=claim, by=by)
    except Claim.DoesNotExist:
        return Outcome(claim_id, False, _("Cet état de frais n'existe plus."))
    except (ValidationError, PermissionDenied, TransitionNotAllowed) as refused:
        return Outcome(claim_id, False, _refusal_text(refused))
    except Exception:
        logger.exception("Bulk validation of claim %s failed", claim_id)
        return Outcome(
            claim_id, False, _("Erreur inattendue : réessayez pour celui-ci.")
        )
    return Outcome(claim_id, True, _approved_text(approved))


def _refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Action refusée.")


def _approved_text(claim: Claim) -> str:
    return _("Validé : %s.") % format_money(claim.total_amount, claim.currency)


def approve_chunk(*, claim_ids: Sequence[int], by: User) -> list[Outcome]:
    """Validate these claims in one transaction and a fixed number of queries."""
    with transaction.atomic():
        claims = list(
            selectors.claims_for_pricing()
            .select_for_update(of=("self",))
            .filter(pk__in=claim_ids)
            .prefetch_related("trips", "meals", "nights")
            .order_by("pk")
        )
        found = {claim.pk for claim in claims}
        outcomes = {
            claim_id: Outcome(claim_id, False, _("Cet état de frais n'existe plus."))
            for claim_id in claim_ids
            if claim_id not in found
        }
        counted = selectors.counted_car_trips_by_participant(
            claim.assignment.participant_id for claim in claims if claim.has_travel_part
        )
        books: dict[str, RateBook] = {}
        now = timezone.now()
        approved: list[tuple[Claim, amounts.Amounts]] = []
        for claim in claims:
            refusal = _refusal(claim, by)
            if refusal:
                outcomes[claim.pk] = Outcome(claim.pk, False, refusal)
                continue
            if claim.currency not in books:
                books[claim.currency] = selectors.rate_book(claim.currency)
            book = books[claim.currency]
            theirs = counted.get(claim.assignment.participant_id, [])
            # The frozen lines are the administration's record, in French;
            # the problems are for the manager, in the manager's language.
            with translation.override(settings.LANGUAGE_CODE):
                priced = amounts.compute(selectors.claim_input(claim, theirs), book)
            if priced.problems:
                priced = amounts.compute(selectors.claim_input(claim, theirs), book)
                reason = " ".join(str(problem) for problem in priced.problems)
                outcomes[claim.pk] = Outcome(claim.pk, False, reason)
                continue
            approved.append((claim, priced))
        _freeze(approved, by, now)
        for claim, _priced in approved:
            outcomes[claim.pk] = Outcome(claim.pk, True, _approved_text(claim))
        if approved:
            # Each participant's e-mail, as from `claim_approve`: rendered and
            # queued by a task of its own, so the validation ends without them.
            ids = [claim.pk for claim, _p in approved]
            transaction.on_commit(
                lambda: tasks.queue_decision_emails.enqueue(ids, "approved"),
                robust=True,
            )
    return [outcomes[claim_id] for claim_id in sorted(outcomes)]


def _refusal(claim: Claim, by: User) -> str:
    """Why `by` may not validate the claim now ("" if they may): the guards
    of the one-by-one path, then the transition table."""
    allowed, reason = review.can_decide(claim, by, review.Decision.APPROVE)
    if not allowed:
        return reason
    allowed, reason = CLAIM_TRANSITIONS.check(claim.status, ClaimStatus.APPROVED)
    return reason


def _freeze(approved: list[tuple[Claim, amounts.Amounts]], by: User, now) -> None:
    """Write the lines, amounts, status and audit events of the validated
    claims: four queries whatever their number (SQLite splits long ones).

    `workflow.apply_transitions` gives every event the same data; a
    validation's event keeps its own amounts, as `claim_approve` writes it.
    """
    if not approved:
        return
    ClaimLine.objects.filter(claim__in=[claim for claim, _p in approved]).delete()
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            kind=line.kind,
            label=line.label[:250],
            date=line.date,
            quantity=line.quantity,
            unit_rate=line.unit_rate.quantize(review.UNIT_RATE_PLACES),
            amount=line.amount,
        )
        for claim, priced in approved
        for line in priced.lines
    )
    before = {claim.pk: claim.status for claim, _p in approved}
    for claim, priced in approved:
        claim.remuneration_amount = priced.remuneration
        claim.travel_amount = priced.travel
        claim.approved_at = claim.updated_at = now
        claim.version += 1
        claim.status = ClaimStatus.APPROVED
    claims = [claim for claim, _p in approved]
    # One UPDATE: what all share as values, each one's amounts as a CASE (the
    # rows are locked, so the version read is the one incremented).
    Claim.objects.filter(pk__in=before).update(
        status=ClaimStatus.APPROVED,
        approved_at=now,
        updated_at=now,
        version=F("version") + 1,
        remuneration_amount=_each(claims, "remuneration_amount"),
        travel_amount=_each(claims, "travel_amount"),
    )
    actor = _actor_fields(by)
    target_type = ContentType.objects.get_for_model(Claim)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            **actor,
            action=APPROVED_ACTION,
            target_type=target_type,
            target_id=claim.pk,
            from_status=before[claim.pk],
            to_status=ClaimStatus.APPROVED,
            data={
                "remuneration_amount": str(claim.remuneration_amount),
                "travel_amount": str(claim.travel_amount),
                "currency": claim.currency,
            },
        )
        for claim in claims
    )


def _each(claims: list[Claim], name: str) -> Case:
    field = Claim._meta.get_field(name)
    assert isinstance(field, DecimalField)  # the frozen amounts
    return Case(
        *(When(pk=claim.pk, then=Value(getattr(claim, name))) for claim in claims),
        output_field=field,
    )


def approved_so_far(claim_ids: Sequence[int], by: User, since) -> int:
    """How many of the claims `by` has validated since `since`: the progress
    of a validation running in the background (one query)."""
    return AuditEvent.objects.filter(
        action=APPROVED_ACTION,
        target_type=ContentType.objects.get_for_model(Claim),
        target_id__in=list(claim_ids),
        actor=by,
        created_at__gte=since,
    ).count()
