"""One participant with a long history of claims, for the query-count tests.

Written in bulk on purpose: a hundred claims driven through the services
would take the whole time budget of the module, and the query counts only
need rows in the statuses a participant's list shows (with travel, meals,
frozen amounts and audit events), not the way they got there.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from claims.models import Claim, ClaimStatus, Meal, Trip
from imagin.audit import AuditEvent
from missions.models import Assignment, Mission
from tests import factories

S = ClaimStatus
# What a participant's past looks like: mostly validated, some still moving.
PAST = [S.APPROVED, S.SUBMITTED, S.DRAFT, S.RETURNED, S.NOT_PERFORMED, S.APPROVED]
FROZEN = {S.APPROVED}


def past_claims(participant, manager, count: int) -> list[Claim]:
    """`count` more claims for `participant`, on missions older than any the
    tests open, spread over two sessions so that the list's filter has a
    choice."""
    if count <= 0:
        return []
    template = factories.MissionFactory(exam__session__name="Session 2025")
    other_exam = factories.ExamFactory(session__name="Session 2026")
    oldest = timezone.now() - timedelta(days=30)
    missions = Mission.objects.bulk_create(
        Mission(
            exam=template.exam if n % 2 else other_exam,
            epreuve=template.epreuve if n % 2 else None,
            mission_type=template.mission_type,
            centre=template.centre,
            starts_at=oldest - timedelta(days=n),
            ends_at=oldest - timedelta(days=n) + timedelta(hours=8),
            planned_volume=50,
            staffing_need=2,
        )
        for n in range(count)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            mission=mission,
            participant=participant,
            status="convoked",
            convoked_at=mission.starts_at - timedelta(days=10),
        )
        for mission in missions
    )
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        Claim(
            assignment=assignment,
            status=PAST[n % len(PAST)],
            has_travel_part=n % 2 == 0,
            copies_declared=None if PAST[n % len(PAST)] == S.DRAFT else 30 + n % 9,
            submitted_at=None if PAST[n % len(PAST)] == S.DRAFT else now,
            remuneration_amount=Decimal(120) if PAST[n % len(PAST)] in FROZEN else None,
            travel_amount=Decimal(18) if PAST[n % len(PAST)] in FROZEN else None,
            approved_at=now if PAST[n % len(PAST)] in FROZEN else None,
        )
        for n, assignment in enumerate(assignments)
    )
    travelling = [claim for claim in claims if claim.has_travel_part]
    Trip.objects.bulk_create(
        Trip(
            claim=claim,
            date=timezone.localdate(claim.assignment.mission.starts_at),
            mode=Trip.Mode.CAR,
            fiscal_horsepower=5,
            kilometres=42,
        )
        for claim in travelling
    )
    Meal.objects.bulk_create(
        Meal(claim=claim, date=timezone.localdate(claim.assignment.mission.starts_at))
        for claim in travelling
    )
    claim_type = ContentType.objects.get_for_model(Claim)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=manager,
            actor_label="volume",
            action="claims.claim.approved"
            if claim.status in FROZEN
            else "claims.claim.opened",
            target_type=claim_type,
            target_id=claim.pk,
        )
        for claim in claims
    )
    return claims
