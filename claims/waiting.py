"""What waits for a signed-in participant, for their home page: claims to
complete (with their deadline) or sent back, supporting documents still to
send, the financial file, what blocks the payment of any claim (with who
must act, `claims.tracker`), and their next mission. A fixed number of queries
whatever the number of claims."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import prefetch_related_objects
from django.utils import timezone

from accounts.models import FinancialFile, User
from claims import flow, selectors, tracker
from claims.models import Claim, ClaimStatus, SupportingDocument
from missions.models import Assignment, ConvocationStatus

# At most so many claims in each list of the home page; the claim list has all.
SHOWN = 5


@dataclass(frozen=True)
class ClaimToDo:
    claim: Claim
    next_step: str


@dataclass(frozen=True)
class DocumentsToSend:
    claim: Claim
    documents: list[flow.DocumentToSend]


@dataclass(frozen=True)
class Blocked:
    """A claim whose payment is held, what holds it and who must act."""

    claim: Claim
    blockers: list[tracker.Blocker]


@dataclass
class Waiting:
    to_complete: list[ClaimToDo] = field(default_factory=list)
    sent_back: list[ClaimToDo] = field(default_factory=list)
    documents: list[DocumentsToSend] = field(default_factory=list)
    # Why the financial file needs the participant ("" when it does not).
    financial_file: str = ""
    blocked: list[Blocked] = field(default_factory=list)
    next_mission: Assignment | None = None

    @property
    def anything(self) -> bool:
        return bool(
            self.to_complete
            or self.sent_back
            or self.documents
            or self.financial_file
            or self.next_mission
            # What only others must do (the division, the payer) is shown
            # but does not wait for the participant.
            or any(
                blocker.actor is tracker.Actor.PARTICIPANT
                for item in self.blocked
                for blocker in item.blockers
            )
        )


def waiting_for(user: User, now: datetime | None = None) -> Waiting:
    now = now or timezone.now()
    waiting = Waiting()
    # The claims on their way to payment, with the batch and the audit dates
    # their trackers read (no query more).
    claims = list(
        tracker.with_dates(
            Claim.objects.select_related("assignment", "payment_batch")
            .filter(
                assignment__participant=user,
                status__in=(
                    ClaimStatus.DRAFT,
                    ClaimStatus.RETURNED,
                    ClaimStatus.SUBMITTED,
                    ClaimStatus.APPROVED,
                    ClaimStatus.IN_PAYMENT,
                ),
            )
            .order_by("assignment__mission__starts_at", "pk")
        )
    )
    selectors.with_missions(claims, user, selectors.MISSION_LISTED)
    for claim in claims:
        if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.RETURNED):
            continue
        if flow.entry_state(claim, now) is not flow.EntryState.OPEN:
            continue
        todo = ClaimToDo(claim, flow.participant_next_step(claim, now))
        if claim.status == ClaimStatus.RETURNED:
            waiting.sent_back.append(todo)
        else:
            waiting.to_complete.append(todo)

    financial_file = FinancialFile.objects.filter(user=user).first()
    if financial_file is None:
        waiting.financial_file = str(flow.FINANCIAL_FILE_MISSING)
    elif financial_file.is_to_renew(now):
        waiting.financial_file = str(flow.FINANCIAL_FILE_TO_RENEW)

    # Justificatifs of the claims that take them, the financial file apart.
    open_to_documents = [
        claim
        for claim in claims
        if claim.status in (ClaimStatus.SUBMITTED, ClaimStatus.RETURNED)
        and claim.has_travel_part
    ]
    if open_to_documents:
        prefetch_related_objects(open_to_documents, "documents")
        selectors.with_travel(open_to_documents)
    for claim in open_to_documents:
        missing = [
            document
            for document in flow.documents_to_send(claim, financial_file, now)
            if not document.sent and document.kind != SupportingDocument.Kind.RIB
        ]
        if missing:
            waiting.documents.append(DocumentsToSend(claim, missing))

    trackers = tracker.trackers_for(claims, user, now, financial_file=financial_file)
    waiting.blocked = [
        Blocked(claim, claim_tracker.blockers)
        for claim, claim_tracker in zip(claims, trackers, strict=True)
        if claim_tracker.blockers
    ][:SHOWN]

    waiting.next_mission = (
        Assignment.objects.select_related(
            "mission__mission_type", "mission__exam", "mission__centre"
        )
        .filter(
            participant=user,
            status=ConvocationStatus.CONVOKED,
            mission__starts_at__gt=now,
        )
        .order_by("mission__starts_at")
        .first()
    )
    waiting.to_complete = waiting.to_complete[:SHOWN]
    waiting.sent_back = waiting.sent_back[:SHOWN]
    waiting.documents = waiting.documents[:SHOWN]
    return waiting
