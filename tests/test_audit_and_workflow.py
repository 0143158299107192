"""The audit log is append-only; status tables decide which moves are possible."""

from __future__ import annotations

import pytest

from claims.models import CLAIM_TRANSITIONS, ClaimStatus
from imagin.audit import AuditEvent, AuditLogIsAppendOnly, audit_log
from imagin.workflow import TransitionNotAllowed, TransitionTable, apply_transition


def test_an_event_names_its_actor_and_target(convoked_claim, manager):
    event = audit_log(
        actor=manager,
        action="claims.claim.test",
        target=convoked_claim,
        from_status="a",
        to_status="b",
        data={"reason": "essai"},
    )
    event.refresh_from_db()
    assert event.actor == manager
    assert event.actor_label == "Claire Martin"
    assert event.data == {"reason": "essai"}
    assert event in AuditEvent.objects.for_object(convoked_claim)


def test_an_event_without_a_person_is_the_system(convoked_claim):
    event = audit_log(actor=None, action="claims.claim.test", target=convoked_claim)
    assert event.actor is None
    assert event.actor_label == "système"


def test_events_cannot_be_changed_or_deleted(convoked_claim):
    event = audit_log(actor=None, action="claims.claim.test", target=convoked_claim)
    event.action = "claims.claim.forged"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.action == "claims.claim.test"


def test_a_table_explains_a_refused_move():
    table = TransitionTable({"a": {"b"}})
    assert table.check("a", "b") == (True, "")
    allowed, reason = table.check("b", "a")
    assert not allowed
    assert "pas possible" in reason


def test_applying_a_transition_saves_it_and_logs_it(convoked_claim, manager):
    apply_transition(
        convoked_claim,
        table=CLAIM_TRANSITIONS,
        to_status=ClaimStatus.CANCELLED,
        by=manager,
        action="claims.claim.cancelled",
        data={"reason": "doublon"},
    )
    convoked_claim.refresh_from_db()
    assert convoked_claim.status == ClaimStatus.CANCELLED
    event = AuditEvent.objects.for_object(convoked_claim).first()
    assert (event.action, event.from_status, event.to_status) == (
        "claims.claim.cancelled",
        "draft",
        "cancelled",
    )
    assert event.data == {"reason": "doublon"}


def test_a_refused_transition_changes_nothing_and_logs_nothing(convoked_claim, manager):
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed):
        apply_transition(
            convoked_claim,
            table=CLAIM_TRANSITIONS,
            to_status=ClaimStatus.PAID,
            by=manager,
            action="claims.claim.paid",
        )
    convoked_claim.refresh_from_db()
    assert convoked_claim.status == ClaimStatus.DRAFT
    assert AuditEvent.objects.count() == before
