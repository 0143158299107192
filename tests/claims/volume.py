"""Many claims at once, for the query-count tests of the back-office pages.

Written in bulk on purpose: driving a thousand claims through the services
would take minutes, and these tests only need rows in every status (with
travel, frozen amounts and the audit events the dashboard charts), not the
way they got there, which the other tests cover.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import User
from claims.models import Claim, ClaimStatus, Trip
from imagin.audit import AuditEvent
from missions.models import Assignment
from tests import factories

S = ClaimStatus
# The statuses the claims cycle through, with what each one implies.
CYCLE = [S.DRAFT, S.SUBMITTED, S.SUBMITTED, S.APPROVED, S.NOT_PERFORMED, S.RETURNED]


def many_claims(count: int, manager, session=None) -> list[Claim]:
    session = session or factories.ExamSessionFactory()
    exam = factories.ExamFactory(session=session)
    missions = [factories.MissionFactory(exam=exam) for _ in range(5)]
    batch = exam.pk  # a new exam per call: names never collide
    people = User.objects.bulk_create(
        User(
            username=f"volume{batch}-{n}",
            first_name="Vol",
            last_name=f"Ume{n}",
            email=f"volume{n}@exemple.invalid",
            password="!",
        )
        for n in range(max(count // 2, 1))
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            # Everyone has a claim on two missions at most: never twice the same.
            mission=missions[(n // len(people)) % len(missions)],
            participant=people[n % len(people)],
            status="convoked",
            convoked_at=timezone.now(),
        )
        for n in range(count)
    )
    now = timezone.now()
    claims = []
    for n, assignment in enumerate(assignments):
        status = CYCLE[n % len(CYCLE)]
        priced = status == S.APPROVED
        claims.append(
            Claim(
                assignment=assignment,
                status=status,
                has_travel_part=n % 3 == 0,
                copies_declared=None if status == S.DRAFT else 20 + n % 7,
                submitted_at=None if status == S.DRAFT else now - timedelta(hours=n),
                remuneration_amount=Decimal(100) if priced else None,
                travel_amount=Decimal(0) if priced else None,
                approved_at=now if priced else None,
            )
        )
    claims = Claim.objects.bulk_create(claims)
    day = timezone.localdate(missions[0].starts_at)
    Trip.objects.bulk_create(
        Trip(claim=c, date=day, mode="car", fiscal_horsepower=5, kilometres=30)
        for c in claims
        if c.has_travel_part
    )
    claim_type = ContentType.objects.get_for_model(Claim)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=manager,
            actor_label="volume",
            action="claims.claim.approved"
            if c.status == S.APPROVED
            else "claims.claim.submitted",
            target_type=claim_type,
            target_id=c.pk,
        )
        for c in claims
        if c.status != S.DRAFT
    )
    return claims
