"""The exam division's decisions on a claim, as services: each allowed case,
every status that refuses it, the mandatory reasons, nobody deciding on their
own claim, the audit events and the participant's e-mails."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimStatus
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.review_helpers import claim_in

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a service schedules on commit (its e-mails) once it returns."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def last_event(claim: Claim) -> AuditEvent:
    return AuditEvent.objects.for_object(claim).latest("pk")


def unchanged(claim: Claim) -> Claim:
    before = (claim.status, claim.version)
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.version) == before
    return fresh


# ------------------------------------------------------------- validate


def test_a_manager_validates_a_submitted_claim_and_the_participant_is_told(
    participant, manager, committed, mailoutbox
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    approved = committed(lambda: services.claim_approve(claim=claim, by=manager))
    assert approved.status == S.APPROVED
    assert (approved.remuneration_amount, approved.travel_amount) == (D("200"), 0)
    event = last_event(claim)
    assert (event.action, event.actor, event.to_status) == (
        "claims.claim.approved",
        manager,
        "approved",
    )
    message = mailoutbox[-1]
    assert message.to == [participant.email]
    assert message.subject == "Votre état de frais est validé"
    assert "200,00" in message.body
    assert f"/mes-etats-de-frais/{claim.pk}/" in message.body


def other_than(*allowed: str) -> list[str]:
    """Every status but the allowed ones: each must refuse the decision."""
    return [status for status in S if status not in allowed]


@pytest.mark.parametrize("status", other_than(S.SUBMITTED))
def test_only_a_submitted_claim_is_validated(participant, manager, status):
    claim = claim_in(status, participant, manager)
    with pytest.raises(ValidationError, match="statut actuel"):
        services.claim_approve(claim=claim, by=manager)
    unchanged(claim)


def test_validated_quantities_are_announced_beside_the_declared_ones(
    participant, manager, committed, mailoutbox
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    services.claim_correct(
        claim=claim,
        by=manager,
        quantities={"copies_validated": 38},
        reason="2 copies blanches",
    )
    committed(lambda: services.claim_approve(claim=claim, by=manager))
    body = mailoutbox[-1].body
    assert "Copies retenues : 38 (vous en aviez déclaré 40)" in body
    assert "190,00" in body


# ------------------------------------------------------------- send back


@pytest.mark.parametrize("status", [S.SUBMITTED, S.NOT_PERFORMED, S.APPROVED])
def test_a_manager_sends_back_with_a_reason_and_the_data_is_kept(
    participant, manager, committed, mailoutbox, status
):
    claim = claim_in(status, participant, manager)
    declared = claim.copies_declared
    returned = committed(
        lambda: services.claim_return(
            claim=claim, by=manager, reason="Il manque 2 copies"
        )
    )
    returned.refresh_from_db()
    assert returned.status == S.RETURNED
    assert returned.copies_declared == declared
    assert returned.remuneration_amount is None and not returned.lines.exists()
    assert last_event(claim).data == {"reason": "Il manque 2 copies"}
    message = mailoutbox[-1]
    assert message.subject == "Votre état de frais est à corriger"
    assert "Il manque 2 copies" in message.body


@pytest.mark.parametrize("status", other_than(S.SUBMITTED, S.NOT_PERFORMED, S.APPROVED))
def test_sending_back_is_refused_in_other_statuses(participant, manager, status):
    claim = claim_in(status, participant, manager)
    with pytest.raises(ValidationError, match="statut actuel"):
        services.claim_return(claim=claim, by=manager, reason="Non")
    unchanged(claim)


def test_sending_back_needs_a_reason(participant, manager):
    claim = claim_in(S.SUBMITTED, participant, manager)
    with pytest.raises(ValidationError, match="motif"):
        services.claim_return(claim=claim, by=manager, reason="   ")
    unchanged(claim)


# -------------------------------------------------------------- correct


def test_a_manager_corrects_the_validated_quantities_and_the_declared_stay(
    participant, manager
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    corrected = services.claim_correct(
        claim=claim,
        by=manager,
        quantities={"copies_validated": 35},
        reason="Cinq copies corrigées par un autre correcteur",
    )
    corrected.refresh_from_db()
    assert (corrected.copies_declared, corrected.copies_validated) == (40, 35)
    assert corrected.status == S.SUBMITTED
    event = last_event(claim)
    assert event.action == "claims.claim.corrected"
    assert event.data["before"] == {"copies_validated": None}
    assert event.data["after"] == {"copies_validated": "35"}
    approved = services.claim_approve(claim=corrected, by=manager)
    assert approved.remuneration_amount == D("175.00")  # 35 × 5 €


@pytest.mark.parametrize("status", other_than(S.SUBMITTED))
def test_quantities_are_corrected_only_before_validation(participant, manager, status):
    claim = claim_in(status, participant, manager)
    with pytest.raises(ValidationError):
        services.claim_correct(
            claim=claim, by=manager, quantities={"copies_validated": 1}, reason="x"
        )
    unchanged(claim)


def test_a_correction_needs_a_reason_and_a_quantity_of_the_mission(
    participant, manager
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    with pytest.raises(ValidationError, match="motif"):
        services.claim_correct(
            claim=claim, by=manager, quantities={"copies_validated": 1}, reason=""
        )
    with pytest.raises(ValidationError, match="inconnue"):
        services.claim_correct(
            claim=claim, by=manager, quantities={"hours_validated": 1}, reason="x"
        )
    assert Claim.objects.get(pk=claim.pk).copies_validated is None


# ------------------------------------------------------- cancel, restore


@pytest.mark.parametrize(
    "status",
    [S.DRAFT, S.SUBMITTED, S.NOT_PERFORMED, S.RETURNED, S.APPROVED, S.CLOSED]
    + [S.NO_COST],
)
def test_a_cancelled_claim_is_restored_as_it_was(
    participant, manager, committed, mailoutbox, status
):
    claim = claim_in(status, participant, manager)
    before = Claim.objects.get(pk=claim.pk)
    cancelled = committed(
        lambda: services.claim_cancel(claim=claim, by=manager, reason="Doublon")
    )
    assert (cancelled.status, cancelled.status_before_cancel) == (S.CANCELLED, status)
    assert mailoutbox[-1].subject == "Votre état de frais est annulé"
    assert "Doublon" in mailoutbox[-1].body

    restored = committed(
        lambda: services.claim_restore(claim=claim, by=manager, reason="Erreur")
    )
    restored.refresh_from_db()
    assert (restored.status, restored.status_before_cancel) == (status, "")
    assert restored.remuneration_amount == before.remuneration_amount
    assert mailoutbox[-1].subject == "Votre état de frais est rétabli"
    actions = list(
        AuditEvent.objects.for_object(claim)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["claims.claim.cancelled", "claims.claim.restored"]


@pytest.mark.parametrize("status", [S.CANCELLED, S.IN_PAYMENT, S.PAID])
def test_cancelling_is_refused_in_payment_paid_or_twice(participant, manager, status):
    claim = claim_in(status, participant, manager)
    with pytest.raises(ValidationError):
        services.claim_cancel(claim=claim, by=manager, reason="Non")
    unchanged(claim)


def test_cancel_and_restore_need_a_reason(participant, manager):
    claim = claim_in(S.SUBMITTED, participant, manager)
    with pytest.raises(ValidationError, match="motif"):
        services.claim_cancel(claim=claim, by=manager, reason="")
    claim = services.claim_cancel(claim=claim, by=manager, reason="Doublon")
    with pytest.raises(ValidationError, match="motif"):
        services.claim_restore(claim=claim, by=manager, reason=" ")
    assert Claim.objects.get(pk=claim.pk).status == S.CANCELLED


@pytest.mark.parametrize("status", other_than(S.CANCELLED))
def test_only_a_cancelled_claim_is_restored(participant, manager, status):
    claim = claim_in(status, participant, manager)
    with pytest.raises(ValidationError, match="annulé"):
        services.claim_restore(claim=claim, by=manager, reason="x")
    unchanged(claim)


# ---------------------------------------------------- not performed, close


def test_a_mission_not_performed_closes_at_zero(participant, manager):
    claim = claim_in(S.NOT_PERFORMED, participant, manager)
    closed = services.claim_close_not_performed(
        claim=claim, by=manager, comment="Absence signalée par le centre"
    )
    closed.refresh_from_db()
    assert closed.status == S.CLOSED
    assert (closed.remuneration_amount, closed.travel_amount) == (0, 0)
    assert closed.is_priced and not closed.lines.exists()
    assert last_event(claim).data == {"note": "Absence signalée par le centre"}


@pytest.mark.parametrize("status", other_than(S.NOT_PERFORMED))
def test_only_a_mission_declared_not_performed_is_closed(participant, manager, status):
    claim = claim_in(status, participant, manager)
    with pytest.raises(ValidationError, match="non effectuée"):
        services.claim_close_not_performed(claim=claim, by=manager)
    unchanged(claim)


# ------------------------------------------------ manager-entered amount


@pytest.fixture
def surveillance(participant, manager):
    """A surveillance claim: the division enters the amount, no travel."""
    kind = factories.MissionTypeFactory(
        payment_basis="manager_entered", travel_eligible=False, name="Surveillance"
    )
    return claim_in(S.DRAFT, participant, manager, mission_type=kind)


def test_a_manager_enters_the_amount_then_validates(surveillance, manager):
    allowed, reason = services.can_decide(surveillance, manager, "valider")
    assert not allowed and "saisissez-le" in reason
    claim = services.claim_enter_amount(
        claim=surveillance, by=manager, amount=D("48.20"), reason="4 h"
    )
    assert claim.version == surveillance.version  # the participant's form stays valid
    event = last_event(claim)
    assert (event.action, event.data["amount"]) == (
        "claims.claim.amount_entered",
        "48.20",
    )
    approved = services.claim_approve(claim=claim, by=manager)
    assert approved.remuneration_amount == D("48.20")


def test_a_mission_the_division_finishes_alone_is_validated_once_started(
    participant, manager
):
    kind = factories.MissionTypeFactory(
        payment_basis="manager_entered", travel_eligible=False
    )
    later = timezone.now() + timedelta(days=3)
    claim = claim_in(
        S.DRAFT,
        participant,
        manager,
        mission_type=kind,
        starts_at=later,
        ends_at=later + timedelta(hours=4),
    )
    claim = services.claim_enter_amount(claim=claim, by=manager, amount=D(40))
    allowed, reason = services.can_decide(claim, manager, "valider")
    assert not allowed and "pas encore commencé" in reason
    with pytest.raises(ValidationError):
        services.claim_approve(claim=claim, by=manager)


def test_a_surveillance_sent_back_is_validated_again_without_the_participant(
    surveillance, manager, participant, committed, mailoutbox
):
    claim = services.claim_enter_amount(claim=surveillance, by=manager, amount=D(40))
    services.claim_approve(claim=claim, by=manager)
    returned = committed(
        lambda: services.claim_return(claim=claim, by=manager, reason="Montant faux")
    )
    assert not mailoutbox  # the participant has nothing to correct
    services.claim_enter_amount(claim=returned, by=manager, amount=D(48))
    assert services.claim_approve(claim=claim, by=manager).remuneration_amount == 48


def test_the_amount_is_entered_only_for_such_missions_and_before_validation(
    surveillance, participant, manager
):
    copies = claim_in(S.SUBMITTED, participant, manager)
    with pytest.raises(ValidationError, match="barèmes"):
        services.claim_enter_amount(claim=copies, by=manager, amount=D(1))
    with pytest.raises(ValidationError, match="négatif"):
        services.claim_enter_amount(claim=surveillance, by=manager, amount=D(-1))
    claim = services.claim_enter_amount(claim=surveillance, by=manager, amount=D(10))
    services.claim_approve(claim=claim, by=manager)
    with pytest.raises(ValidationError, match="avant la validation"):
        services.claim_enter_amount(claim=claim, by=manager, amount=D(20))
    assert Claim.objects.get(pk=claim.pk).manager_amount == 10


# ------------------------------------------------------ one's own claim


DECISIONS = {
    "valider": lambda claim, by: services.claim_approve(claim=claim, by=by),
    "renvoyer": lambda claim, by: services.claim_return(claim=claim, by=by, reason="x"),
    "corriger": lambda claim, by: services.claim_correct(
        claim=claim, by=by, quantities={"copies_validated": 1}, reason="x"
    ),
    "annuler": lambda claim, by: services.claim_cancel(claim=claim, by=by, reason="x"),
}


@pytest.mark.parametrize("decision", DECISIONS)
def test_nobody_decides_on_their_own_claim(manager, decision):
    other_manager = factories.ManagerFactory()
    claim = claim_in(S.SUBMITTED, manager, other_manager)
    allowed, reason = services.can_decide(claim, manager, decision)
    assert not allowed and "propre état de frais" in reason
    with pytest.raises(PermissionDenied):
        DECISIONS[decision](claim, manager)
    unchanged(claim)


def test_a_manager_convoked_sees_colleagues_decide_on_their_claim(manager):
    colleague = factories.ManagerFactory()
    claim = claim_in(S.SUBMITTED, manager, colleague)
    assert services.claim_approve(claim=claim, by=colleague).status == S.APPROVED


def test_the_participant_reads_the_decisions_in_their_history(
    client, participant, manager
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    services.claim_correct(
        claim=claim,
        by=manager,
        quantities={"copies_validated": 39},
        reason="Une copie en double",
    )
    services.claim_approve(claim=claim, by=manager)
    client.force_login(participant)
    page = client.get(f"/mes-etats-de-frais/{claim.pk}/").content.decode()
    # The history reads in sentences (imagin/audit_sentences.py).
    assert "a corrigé les quantités" in page
    assert "Une copie en double" in page
    assert "Validé par le gestionnaire" in page


def test_sending_back_clears_what_the_division_had_decided(participant, manager):
    claim = claim_in(S.SUBMITTED, participant, manager)
    services.claim_correct(
        claim=claim, by=manager, quantities={"copies_validated": 30}, reason="x"
    )
    services.claim_approve(claim=claim, by=manager)
    services.claim_return(claim=claim, by=manager, reason="Revoir")
    claim.refresh_from_db()
    assert (claim.copies_declared, claim.copies_validated) == (40, None)


def test_a_surveillance_sent_back_waits_for_its_amount_again(surveillance, manager):
    from claims.selectors import awaiting_decision, ready_to_validate

    def listed(q) -> bool:
        return Claim.objects.filter(q, pk=surveillance.pk).exists()

    assert not listed(ready_to_validate())  # no amount yet
    claim = services.claim_enter_amount(claim=surveillance, by=manager, amount=D(40))
    assert listed(ready_to_validate()) and listed(awaiting_decision())
    services.claim_approve(claim=claim, by=manager)
    assert not listed(awaiting_decision())
    services.claim_return(claim=claim, by=manager, reason="Montant faux")
    returned = Claim.objects.get(pk=claim.pk)
    assert returned.manager_amount is None
    assert not listed(ready_to_validate())


def test_a_submitted_claim_paid_an_entered_amount_waits_for_it(
    participant, manager, settings
):
    settings.TRAVEL_ENABLED = True  # the participant declares their travel
    kind = factories.MissionTypeFactory(payment_basis="manager_entered")
    claim = claim_in(S.SUBMITTED, participant, manager, mission_type=kind)
    allowed, reason = services.can_decide(claim, manager, "valider")
    assert not allowed and "saisissez-le" in reason


def test_the_division_keeps_its_notes_to_itself(client, participant, manager):
    claim = claim_in(S.NOT_PERFORMED, participant, manager)
    services.claim_close_not_performed(
        claim=claim, by=manager, comment="Appel du centre : absent sans prévenir"
    )
    client.force_login(participant)
    page = client.get(f"/mes-etats-de-frais/{claim.pk}/").content.decode()
    assert "a clos à zéro" in page
    assert "absent sans prévenir" not in page
    client.force_login(manager)
    review = client.get(f"/gestion/claims/claim/{claim.pk}/change/").content.decode()
    assert "absent sans prévenir" in review
