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


def three_open_claims(manager) -> list:
    """Three claims just opened by a convocation (status "draft")."""
    from claims.services import convocation_issue
    from tests.factories import AssignmentFactory

    return [
        convocation_issue(assignment=AssignmentFactory(), by=manager) for _ in range(3)
    ]


def cancel_all(claims, manager, **more) -> None:
    """`apply_transitions` cancelling `claims` at once, as `manager`."""
    from imagin.workflow import apply_transitions

    apply_transitions(
        claims,
        table=CLAIM_TRANSITIONS,
        to_status=ClaimStatus.CANCELLED,
        by=manager,
        action="claims.claim.cancelled",
        **more,
    )


def test_many_objects_move_together_or_none_does(manager):
    from claims.models import Claim

    claims = three_open_claims(manager)
    claims[2].status = ClaimStatus.PAID  # as read: a paid claim cannot move
    with pytest.raises(TransitionNotAllowed):
        cancel_all(claims, manager)
    assert set(Claim.objects.values_list("status", flat=True)) == {"draft"}
    cancel_all(
        claims[:2],
        manager,
        data={"reason": "lot"},
        values={"status_before_cancel": "draft"},
    )
    for claim in claims[:2]:
        claim.refresh_from_db()
        assert (claim.status, claim.status_before_cancel) == ("cancelled", "draft")
        event = AuditEvent.objects.for_object(claim).latest("pk")
        assert (event.from_status, event.to_status, event.actor) == (
            "draft",
            "cancelled",
            manager,
        )
        assert event.data == {"reason": "lot"}


def test_many_objects_move_with_their_own_values_and_event_data(manager):
    from decimal import Decimal

    from claims.models import Claim

    claims = three_open_claims(manager)
    for number, claim in enumerate(claims, start=1):
        claim.remuneration_amount = Decimal(number * 10)
    cancel_all(
        claims,
        manager,
        data={"reason": "lot", "shared": "oui"},
        own_values=("remuneration_amount",),
        event_data=lambda claim: {"reason": f"n° {claim.pk}"},
    )
    for number, claim in enumerate(claims, start=1):
        stored = Claim.objects.get(pk=claim.pk)
        assert (stored.status, stored.remuneration_amount) == (
            "cancelled",
            Decimal(number * 10),
        )
        event = AuditEvent.objects.for_object(claim).latest("pk")
        # Each event's own data over the shared data.
        assert event.data == {"reason": f"n° {claim.pk}", "shared": "oui"}


# ------------------------------------------------------------ back-office


@pytest.fixture
def logged(convoked_claim, manager, participant):
    audit_log(actor=participant, action="claims.claim.saved", target=convoked_claim)
    return convoked_claim


def test_the_log_is_read_only_in_the_back_office_even_for_a_superuser(
    client, logged, django_user_model
):
    from django.urls import reverse

    root = django_user_model.objects.create_superuser("racine", "r@x.invalid", "x" * 20)
    root.is_staff = True
    root.save()
    client.force_login(root)
    event = AuditEvent.objects.first()
    assert client.get(reverse("admin:imagin_auditevent_add")).status_code == 403
    page = client.get(reverse("admin:imagin_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'name="action"' not in page.content.decode()
    assert (
        client.post(
            reverse("admin:imagin_auditevent_change", args=[event.pk]), {"action": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:imagin_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    listing = client.post(
        reverse("admin:imagin_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    # Deleting is no action of this list: a forged post of it is refused.
    assert listing.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_log_filters_by_author_action_object_and_date(
    client, logged, manager, participant
):
    from django.urls import reverse
    from django.utils import timezone

    client.force_login(manager)
    url = reverse("admin:imagin_auditevent_changelist")

    def listed(query: str) -> set[str]:
        response = client.get(url + query)
        assert response.status_code == 200, query
        return {e.action for e in response.context["cl"].result_list}

    assert listed("?auteur=Durand") == {"claims.claim.saved"}
    assert listed(f"?auteur={participant.username}") == {"claims.claim.saved"}
    assert listed("?auteur=personne") == set()
    assert listed("?action=claims.claim.opened") == {"claims.claim.opened"}
    today = timezone.localdate()
    assert "claims.claim.saved" in listed(
        f"?created_at__year={today.year}&created_at__month={today.month}"
    )
    from imagin.admin import audit_history_url

    assert listed(audit_history_url(logged)[len(url) :]) == {
        "claims.claim.opened",
        "claims.claim.saved",
    }
    html = client.get(url + "?auteur=Durand").content.decode()
    # The typed author stays in its box; the object links to its page.
    assert 'value="Durand"' in html
    assert reverse("admin:claims_claim_change", args=[logged.pk]) in html


def test_convocations_and_financial_files_link_to_their_history(
    client, logged, manager, participant
):
    from django.urls import reverse

    from tests.claims.review_helpers import checked_financial_file

    file = checked_financial_file(participant, manager)
    client.force_login(manager)
    for page in (
        reverse("admin:missions_assignment_change", args=[logged.assignment_id]),
        reverse("admin:accounts_financialfile_change", args=[file.pk]),
    ):
        html = client.get(page).content.decode()
        assert "Voir son historique dans le journal d" in html, page
        assert "target_id=" in html
