"""Sending back, cancelling, restoring or closing at zero many claims at once,
with one reason for all, with every rule of the one-by-one decision.

The machinery is the bulk validation's (`claims.services.bulk_review`):
chunks of claims locked and decided in one transaction and a fixed number
of queries (the lock, the lines deleted when the decision clears them, then
`workflow.apply_transitions`: one UPDATE and one INSERT of audit events,
each event with the reason as the one-by-one service writes it; a
restoration makes one pair per status the claims go back to). Each claim
passes the one-by-one guard (`review.can_decide`): a refused one keeps its
status and gets its reason in the outcome. A chunk that fails is decided
again claim by claim through the one-by-one service. The participants'
e-mails are rendered and queued by one task per chunk once committed,
respecting the weekly digest as `notifications.claim_decided` does.

A large selection runs in the background (`decide_claims`, declared here
beside its work).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, When
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django_tasks import task

from accounts.models import User
from claims import flow, notifications, selectors
from claims.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimLine,
    ClaimStatus,
    PendingNotification,
)
from claims.services import review
from claims.services.bulk_review import Outcome, in_chunks, lock_chunk, one_outcome
from claims.travel_corrections import restore_declared
from imagin.mail import queue_rendered_mails, render_templated_mails
from imagin.workflow import apply_transitions

Decision = review.Decision
S = ClaimStatus


def claims_decide(
    *, decision: str, claim_ids: Sequence[int], by: User, reason: str
) -> list[Outcome]:
    """Take `decision` on the claims with one reason for all, chunk by chunk;
    one outcome per id, in id order. Raises ValidationError for an unknown
    decision or a missing required reason (before deciding anything); never
    for a claim: its refusal is its outcome."""
    spec = BULK_DECISIONS.get(decision)
    if spec is None:
        raise ValidationError(_("Cette décision ne se prend pas en groupe."))
    reason = (reason or "").strip()
    if spec.reason_required and not reason:
        raise ValidationError(_("Le motif est obligatoire."))
    return in_chunks(
        claim_ids,
        lambda chunk: decide_chunk(
            decision=decision, claim_ids=chunk, by=by, reason=reason
        ),
        lambda claim_id: one_outcome(
            claim_id, lambda claim: spec.one(claim, by, reason), spec.done
        ),
    )


def decide_chunk(
    *, decision: str, claim_ids: Sequence[int], by: User, reason: str
) -> list[Outcome]:
    """Decide on these claims in one transaction and a fixed number of queries."""
    spec = BULK_DECISIONS[decision]
    with transaction.atomic():
        claims, outcomes = lock_chunk(claim_ids, selectors.claims_for_pricing())
        allowed: list[Claim] = []
        for claim in claims:
            ok, why = review.can_decide(claim, by, Decision(decision))
            if ok:
                allowed.append(claim)
            else:
                outcomes[claim.pk] = Outcome(claim.pk, False, why)
        if allowed:
            spec.write(allowed, by, spec.action, reason)
        for claim in allowed:
            outcomes[claim.pk] = Outcome(claim.pk, True, spec.done(claim))
        # A send-back tells only someone with something to type (as
        # `claim_return`): the division re-enters the amount of the others.
        told = [
            claim.pk
            for claim in allowed
            if spec.mailed and not (decision == Decision.RETURN and _entered(claim))
        ]
        if told:
            transaction.on_commit(
                lambda: queue_reasoned_emails.enqueue(told, spec.event, reason),
                robust=True,
            )
    return [outcomes[claim_id] for claim_id in sorted(outcomes)]


def _entered(claim: Claim) -> bool:
    """The participant has nothing to type: the division enters the amount."""
    return flow.nothing_to_type(claim)


def _move(
    claims: list[Claim],
    to_status: str,
    by: User,
    action: str,
    data: dict[str, str],
    own_values: Sequence[str] = (),
    **values: Any,
) -> None:
    """`workflow.apply_transitions` for a chunk: one UPDATE of the claims (their
    status, `values`, each one's `own_values`), one INSERT of audit events."""
    apply_transitions(
        claims,
        table=CLAIM_TRANSITIONS,
        to_status=to_status,
        by=by,
        action=action,
        data=data,
        # The rows are locked: the version read is the one incremented.
        values={"updated_at": timezone.now(), "version": F("version") + 1, **values},
        own_values=own_values,
    )


def _send_back(claims: list[Claim], by: User, action: str, reason: str) -> None:
    """As `claim_return`: what the division decided goes (frozen amounts and
    lines, corrected quantities and travel lines, and the amount it entered
    for someone with nothing to type)."""
    ClaimLine.objects.filter(claim__in=claims).delete()
    restore_declared(claim.pk for claim in claims if claim.has_travel_part)
    entered = [claim.pk for claim in claims if _entered(claim)]
    cleared: dict[str, Any] = dict.fromkeys(
        [*review.FROZEN_FIELDS, *VALIDATED_QUANTITIES]
    )
    if entered:
        cleared["manager_amount"] = Case(
            When(pk__in=entered, then=None),
            default=F("manager_amount"),
            output_field=Claim._meta.get_field("manager_amount"),
        )
    _move(claims, S.RETURNED, by, action, {"reason": reason}, **cleared)
    for claim in claims:
        if claim.pk in entered:
            claim.manager_amount = None


def _cancel(claims: list[Claim], by: User, action: str, reason: str) -> None:
    """As `claim_cancel`: the status is kept for a restoration."""
    for claim in claims:
        claim.status_before_cancel = claim.status
    _move(
        claims, S.CANCELLED, by, action, {"reason": reason}, ("status_before_cancel",)
    )


def _restore(claims: list[Claim], by: User, action: str, reason: str) -> None:
    """As `claim_restore`: each back to the status it had, one UPDATE and one
    INSERT per status (a handful at most)."""
    back_to: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        back_to[claim.status_before_cancel].append(claim)
    for status, group in sorted(back_to.items()):
        _move(group, status, by, action, {"reason": reason}, status_before_cancel="")
        for claim in group:
            claim.status_before_cancel = ""


def _close(claims: list[Claim], by: User, action: str, reason: str) -> None:
    """As `claim_close_not_performed`: closed at zero, no line."""
    ClaimLine.objects.filter(claim__in=claims).delete()
    now = timezone.now()
    note = {"note": reason}
    _move(claims, S.CLOSED, by, action, note, approved_at=now, **ZERO)


# What a send-back clears besides the frozen amounts (`claim_return`).
VALIDATED_QUANTITIES = ("copies_validated", "candidates_validated", "hours_validated")
# What a closure at zero freezes (`claim_close_not_performed`).
ZERO: dict[str, Any] = {"remuneration_amount": 0, "travel_amount": 0}


@dataclass(frozen=True)
class BulkDecision:
    """A decision taken on many claims: its audit event (`claims.claim.<event>`,
    and the participant's e-mail where `mailed`), its one-by-one service, the
    set-based writing of a chunk, and the report's text for a claim decided."""

    event: str
    service: Callable[..., Claim]
    write: Callable[[list[Claim], User, str, str], None]
    done_text: Promise  # may name the claim's new status: %(status)s
    reason_arg: str = "reason"  # the service's; a comment is optional
    mailed: bool = True

    @property
    def action(self) -> str:
        return f"claims.claim.{self.event}"

    @property
    def reason_required(self) -> bool:
        return self.reason_arg == "reason"

    def one(self, claim: Claim, by: User, reason: str) -> Claim:
        return self.service(claim=claim, by=by, **{self.reason_arg: reason})

    def done(self, claim: Claim) -> str:
        return str(self.done_text) % {"status": claim.get_status_display()}


BULK_DECISIONS: dict[str, BulkDecision] = {
    Decision.RETURN: BulkDecision(
        "returned", review.claim_return, _send_back, _l("Renvoyé pour correction.")
    ),
    Decision.CANCEL: BulkDecision(
        "cancelled", review.claim_cancel, _cancel, _l("Annulé.")
    ),
    Decision.RESTORE: BulkDecision(
        "restored", review.claim_restore, _restore, _l("Rétabli (%(status)s).")
    ),
    Decision.CLOSE: BulkDecision(
        "closed",
        review.claim_close_not_performed,
        _close,
        _l("Clos à zéro."),
        reason_arg="comment",
        mailed=False,
    ),
}


# ------------------------------------------------------------ background


@task()
def decide_claims(
    claim_ids: list[int], manager_id: int, language: str, decision: str, reason: str
) -> list[list[object]]:
    """`claims_decide` for a manager's selection; returns [claim id, decided,
    text] per claim, in `language`, for the report page. The first three
    arguments are those of `bulk_review.approve_claims`: the progress page
    reads either."""
    manager = User.objects.get(pk=manager_id)
    with translation.override(language):
        outcomes = claims_decide(
            decision=decision, claim_ids=claim_ids, by=manager, reason=reason
        )
    return [[outcome.claim_id, outcome.ok, outcome.text] for outcome in outcomes]


@task()
def queue_reasoned_emails(claim_ids: list[int], decision: str, reason: str) -> None:
    """The e-mails of a decision taken with one reason on many claims: those
    of `notifications.claim_decided`, reason included, the weekly digest's
    kept as pending news; rendered here and queued a hundred to a task."""
    claims = list(
        selectors.claims_for_pricing().filter(pk__in=claim_ids).order_by("pk")
    )
    weekly = [
        claim
        for claim in claims
        if notifications.wants_digest(claim.assignment.participant, decision)
    ]
    PendingNotification.objects.bulk_create(
        notifications._pending(claim, decision, reason) for claim in weekly
    )
    kept = {claim.pk for claim in weekly}
    mails = [
        mail
        for claim in claims
        if claim.pk not in kept
        and (mail := notifications._decision_mail(claim, decision, reason))
    ]
    queue_rendered_mails(render_templated_mails("claim-decision", mails))
