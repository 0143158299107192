"""The payment tracker (claims/tracker.py): the steps of a claim with their
dates and states, what blocks it and who must act, on the claim pages and
the participant's home, in a fixed number of queries."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import FinancialFile
from accounts.services import financial_file_save
from claims import selectors, services, tracker
from claims.models import Claim, PaymentBatch, Trip
from claims.tracker import Actor, StepState
from imagin.audit import AuditEvent
from missions.models import ExamSession
from tests import factories
from tests.claims.entry_helpers import convoke, post_step
from tests.claims.review_helpers import IBAN, S, checked_financial_file, claim_in
from tests.html import assert_strict_csp_page

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def track(claim, participant, now=None) -> tracker.Tracker:
    """The claim's tracker as its pages build it."""
    loaded = selectors.claim_for_participant(participant, claim.pk)
    return tracker.trackers_for([loaded], participant, now)[0]


def reasons(result: tracker.Tracker) -> list[tuple[str, Actor]]:
    return [(blocker.reason, blocker.actor) for blocker in result.blockers]


def states(result: tracker.Tracker) -> dict[str, StepState]:
    return {step.key: step.state for step in result.steps}


def unchecked_financial_file(participant) -> FinancialFile:
    return financial_file_save(
        user=participant,
        by=participant,
        holder=participant.get_full_name(),
        iban=IBAN,
        bic="AGRIFRPP",
    )


def exported(participant, manager) -> tuple[Claim, PaymentBatch]:
    claim = claim_in(S.IN_PAYMENT, participant, manager)
    batch = claim.payment_batch
    services.payment_batch_export(batch=batch, by=manager)
    return claim, PaymentBatch.objects.get(pk=batch.pk)


def day(value) -> str:
    return tracker._day(value)


# ------------------------------------------------------------ by status


def test_a_draft_not_yet_saved_waits_on_its_entry_and_nothing_blocks_it(
    participant, manager
):
    checked_financial_file(participant, manager)
    claim = convoke(participant, manager)
    result = track(claim, participant)
    assert [step.label for step in result.steps] == [
        "Saisi",
        "Validé par vous",
        "Validé par la division",
        "Mis en paiement",
        "Payé",
    ]
    assert states(result) == {
        "entered": StepState.CURRENT,
        "submitted": StepState.TO_COME,
        "approved": StepState.TO_COME,
        "in_payment": StepState.TO_COME,
        "paid": StepState.TO_COME,
    }
    assert result.current is not None and result.current.label == "Saisi"
    assert result.blockers == []


def test_a_saved_draft_is_entered_on_the_day_of_its_first_save(
    signed_in, participant, manager
):
    checked_financial_file(participant, manager)
    claim = convoke(participant, manager)
    post_step(signed_in, claim, "mission", performed="yes")
    first = (
        AuditEvent.objects.for_object(claim)
        .filter(action="claims.claim.saved")
        .earliest("created_at")
    )
    result = track(claim, participant)
    entered = result.steps[0]
    assert entered.state is StepState.DONE
    assert entered.when == first.created_at
    assert result.current is not None and result.current.key == "submitted"


def test_a_draft_past_its_deadline_needs_the_participant_to_call_the_division(
    participant, manager
):
    checked_financial_file(participant, manager)
    claim = convoke(participant, manager)
    session = claim.assignment.mission.exam.session
    ExamSession.objects.filter(pk=session.pk).update(
        claim_deadline=timezone.localdate() - timedelta(days=1)
    )
    [(reason, actor)] = reasons(track(claim, participant))
    assert "La date limite de saisie" in reason
    assert "contactez la division" in reason
    assert actor is Actor.PARTICIPANT


def test_a_claim_sent_back_waits_on_the_participant_since_the_send_back(
    participant, manager
):
    checked_financial_file(participant, manager)
    claim = claim_in(S.RETURNED, participant, manager)
    returned = (
        AuditEvent.objects.for_object(claim)
        .filter(action="claims.claim.returned")
        .get()
    )
    result = track(claim, participant)
    assert reasons(result) == [
        (
            f"Renvoyé pour correction le {day(returned.created_at)} : corrigez-le "
            "puis validez-le de nouveau.",
            Actor.PARTICIPANT,
        )
    ]
    assert result.current is not None and result.current.key == "submitted"
    # Its earlier validation is not shown as reached: it is to be made again.
    assert result.steps[1].when is None


def test_a_submitted_claim_is_in_the_divisions_queue_since_its_submission(
    participant, manager
):
    checked_financial_file(participant, manager)
    claim = claim_in(S.SUBMITTED, participant, manager)
    result = track(claim, participant)
    assert reasons(result) == [
        (
            "En attente de vérification par la division depuis le "
            f"{day(claim.submitted_at)}.",
            Actor.DIVISION,
        )
    ]
    submitted = result.steps[1]
    assert submitted.state is StepState.DONE
    assert submitted.when == claim.submitted_at
    assert result.current is not None and result.current.key == "approved"


def test_a_validated_claim_waits_for_the_division_to_put_it_into_payment(
    participant, manager
):
    checked_financial_file(participant, manager)
    claim = claim_in(S.APPROVED, participant, manager)
    result = track(claim, participant)
    [(reason, actor)] = reasons(result)
    assert reason.startswith(f"Validé le {day(claim.approved_at)}")
    assert "en attente de mise en paiement par la division" in reason
    assert actor is Actor.DIVISION
    approved = next(step for step in result.steps if step.key == "approved")
    assert approved.when == claim.approved_at
    assert result.current is not None and result.current.key == "in_payment"


def test_a_batch_not_exported_waits_on_the_division(participant, manager):
    claim = claim_in(S.IN_PAYMENT, participant, manager)
    batch = claim.payment_batch
    result = track(claim, participant)
    [(reason, actor)] = reasons(result)
    assert str(batch) in reason
    assert "pas encore transmis au service payeur" in reason
    assert actor is Actor.DIVISION
    in_payment = next(step for step in result.steps if step.key == "in_payment")
    assert in_payment.state is StepState.DONE
    assert in_payment.when == batch.created_at
    assert in_payment.detail == str(batch)
    assert result.current is not None and result.current.key == "paid"


def test_an_exported_batch_is_paid_by_the_payer_in_the_expected_month(
    participant, manager, settings
):
    settings.PAYMENT_DELAY_MONTHS = 2
    claim, batch = exported(participant, manager)
    PaymentBatch.objects.filter(pk=batch.pk).update(
        exported_at=timezone.make_aware(datetime(2027, 11, 15, 10))
    )
    [(reason, actor)] = reasons(track(claim, participant))
    assert reason == (
        "Transmis au service payeur le 15 novembre 2027 : paiement attendu en "
        "janvier 2028."
    )
    assert actor is Actor.PAYER


def test_the_expected_month_follows_the_payment_delay_setting(
    participant, manager, settings
):
    settings.PAYMENT_DELAY_MONTHS = 5
    claim, batch = exported(participant, manager)
    PaymentBatch.objects.filter(pk=batch.pk).update(
        exported_at=timezone.make_aware(datetime(2027, 2, 10, 9))
    )
    [(reason, _actor)] = reasons(track(claim, participant))
    assert reason.endswith("paiement attendu en juillet 2027.")


def test_a_paid_claim_has_every_step_done_with_its_dates(participant, manager):
    claim = claim_in(S.PAID, participant, manager)
    batch = PaymentBatch.objects.get(pk=claim.payment_batch_id)
    result = track(claim, participant)
    assert result.blockers == []
    assert result.current is None
    assert set(states(result).values()) == {StepState.DONE}
    when = {step.key: step.when for step in result.steps}
    assert when["submitted"] == claim.submitted_at
    assert when["approved"] == claim.approved_at
    assert when["in_payment"] == batch.exported_at
    assert batch.paid_at is not None
    assert when["paid"] == batch.paid_at


def test_a_claim_the_division_enters_alone_starts_at_its_validation(
    participant, manager
):
    checked_financial_file(participant, manager)
    kind = factories.MissionTypeFactory(
        payment_basis="manager_entered", travel_eligible=False
    )
    claim = claim_in(S.DRAFT, participant, manager, mission_type=kind)
    draft = track(claim, participant)
    assert [step.key for step in draft.steps] == ["approved", "in_payment", "paid"]
    assert draft.current is not None and draft.current.key == "approved"
    services.claim_enter_amount(claim=claim, by=manager, amount=Decimal("48.20"))
    claim = services.claim_approve(claim=Claim.objects.get(pk=claim.pk), by=manager)
    result = track(claim, participant)
    assert result.steps[0].when == claim.approved_at
    assert result.current is not None and result.current.key == "in_payment"


@pytest.mark.parametrize(
    ("status", "final"),
    [
        (S.NOT_PERFORMED, "Mission non effectuée : aucun paiement."),
        (S.CLOSED, "Mission non effectuée : aucun paiement."),
        (S.CANCELLED, "État de frais annulé : aucun paiement."),
        (S.NO_COST, "Pas de frais : aucun paiement."),
    ],
)
def test_claims_that_will_not_be_paid_end_in_a_short_final_state(
    status, final, participant, manager
):
    claim = claim_in(status, participant, manager)
    result = track(claim, participant)
    assert result.final == final
    assert result.steps == [] and result.blockers == []


# ------------------------------------------------------- financial file


def test_a_missing_financial_file_needs_the_participant(participant, manager):
    claim = claim_in(S.APPROVED, participant, manager)
    [(reason, actor)] = reasons(track(claim, participant))
    assert reason.startswith("Votre dossier financier n'est pas constitué")
    assert actor is Actor.PARTICIPANT


def test_bank_details_not_yet_checked_need_the_division(participant, manager):
    unchecked_financial_file(participant)
    claim = claim_in(S.APPROVED, participant, manager)
    [(reason, actor)] = reasons(track(claim, participant))
    assert reason == (
        "Vos coordonnées bancaires n'ont pas encore été vérifiées par la division."
    )
    assert actor is Actor.DIVISION


def test_a_financial_file_to_renew_needs_the_participant(
    participant, manager, settings
):
    settings.FINANCIAL_FILE_VALIDITY_MONTHS = 24
    file = checked_financial_file(participant, manager)
    claim = claim_in(S.SUBMITTED, participant, manager)
    FinancialFile.objects.filter(pk=file.pk).update(
        updated_at=timezone.now() - timedelta(days=25 * 31)
    )
    blockers = reasons(track(claim, participant))
    assert blockers[0] == (
        "Votre dossier financier a plus de 24 mois : renouvelez-le pour pouvoir "
        "être payé.",
        Actor.PARTICIPANT,
    )
    # The division's queue stays said after it.
    assert blockers[1][1] is Actor.DIVISION


def test_a_file_to_renew_no_longer_holds_a_claim_already_in_a_batch(
    participant, manager
):
    claim = claim_in(S.IN_PAYMENT, participant, manager)
    FinancialFile.objects.filter(user=participant).update(
        updated_at=timezone.now() - timedelta(days=40 * 31)
    )
    # Already exported or about to be: the file no longer holds it.
    assert [actor for _reason, actor in reasons(track(claim, participant))] == [
        Actor.DIVISION
    ]


# ------------------------------------------------------------ documents


def test_a_supporting_document_missing_needs_the_participant(participant, manager):
    checked_financial_file(participant, manager)
    claim = claim_in(S.SUBMITTED, participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    Trip.objects.create(
        claim=claim,
        date=timezone.localdate(claim.assignment.mission.starts_at),
        mode=Trip.Mode.PUBLIC_TRANSPORT,
        fare=12,
    )
    blockers = reasons(track(claim, participant))
    assert blockers[0] == (
        "Justificatif manquant : Billets ou titres de transport (pour vos trajets "
        "en transport en commun).",
        Actor.PARTICIPANT,
    )
    # The division's queue comes after what the participant must do.
    assert blockers[1][1] is Actor.DIVISION


# --------------------------------------------------------------- pages


def test_the_read_only_claim_page_shows_the_steps_and_what_blocks(
    signed_in, participant, manager
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    response = signed_in.get(reverse("claims:detail", args=[claim.pk]))
    assert_strict_csp_page(response)
    text = _text(response)
    assert "Suivi du paiement" in text
    assert "Étape en cours : Validé par la division" in text
    assert 'aria-current="step"' in text
    assert "Ce qui bloque le paiement" in text
    assert "Votre dossier financier n'est pas constitué" in text
    assert "à faire par : vous" in text
    assert "à faire par : la division" in text


def test_the_step_pages_show_the_tracker(signed_in, participant, manager):
    claim = convoke(participant, manager)
    text = _text(signed_in.get(reverse("claims:step", args=[claim.pk, "mission"])))
    assert "Suivi du paiement" in text
    assert "Étape en cours : Saisi" in text


def test_another_participants_claim_page_is_not_found(
    signed_in, participant, manager, outsider
):
    theirs = claim_in(S.SUBMITTED, outsider, manager)
    draft = convoke(outsider, manager)
    assert signed_in.get(reverse("claims:detail", args=[theirs.pk])).status_code == 404
    step = reverse("claims:step", args=[draft.pk, "mission"])
    assert signed_in.get(step).status_code == 404


def test_the_home_says_what_blocks_the_payments_and_who_acts(
    signed_in, participant, manager
):
    unchecked_financial_file(participant)
    claim = claim_in(S.APPROVED, participant, manager)
    text = _text(signed_in.get(HOME))
    assert "Ce qui bloque vos paiements" in text
    assert reverse("claims:detail", args=[claim.pk]) in text
    assert "Vos coordonnées bancaires n'ont pas encore été vérifiées" in text
    assert "à faire par : la division" in text


def test_the_home_lists_an_exported_claim_with_its_expected_month(
    signed_in, participant, manager, settings
):
    settings.PAYMENT_DELAY_MONTHS = 3
    claim, batch = exported(participant, manager)
    PaymentBatch.objects.filter(pk=batch.pk).update(
        exported_at=timezone.make_aware(datetime(2027, 4, 2, 12))
    )
    text = _text(signed_in.get(HOME))
    assert "paiement attendu en juillet 2027" in text
    assert "à faire par : l'agent comptable / la paie" in text
    # Only others must act: nothing waits for the participant.
    assert "Rien pour l'instant" in text


def test_the_home_has_no_blocking_section_when_nothing_blocks(
    signed_in, participant, manager
):
    claim_in(S.PAID, participant, manager)
    assert "Ce qui bloque vos paiements" not in _text(signed_in.get(HOME))


# ------------------------------------------------------------- queries


def _claims_of_every_kind(participant, manager, count: int) -> None:
    """`count` claims of `participant` in every status on the way to payment
    (their financial file checked), every third with a travel part."""
    checked_financial_file(participant, manager)
    # The first two already ask every query a list can (a returned claim with
    # a travel part: documents and travel rows; a batch).
    kinds = [S.RETURNED, S.IN_PAYMENT, S.DRAFT, S.SUBMITTED, S.APPROVED, S.PAID]
    for index in range(count):
        kind = kinds[index % len(kinds)]
        claim = claim_in(
            S.APPROVED if kind in (S.IN_PAYMENT, S.PAID) else kind,
            participant,
            manager,
        )
        if kind in (S.IN_PAYMENT, S.PAID):
            batch = services.payment_batch_create(
                claim_ids=[claim.pk], by=manager
            ).batch
            if kind == S.PAID:
                services.payment_batch_export(batch=batch, by=manager)
                services.payment_batch_mark_paid(batch=batch, by=manager)
        if index % 3 == 0:
            Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)


def _count_trackers(participant) -> tuple[int, list[tracker.Tracker]]:
    claims = selectors.with_missions(
        list(
            Claim.objects.select_related("assignment").filter(
                assignment__participant=participant
            )
        ),
        participant,
    )
    with CaptureQueriesContext(connection) as queries:
        result = tracker.trackers_for(claims, participant)
    return len(queries.captured_queries), result


def test_the_trackers_of_a_list_cost_the_same_queries_for_2_or_10_claims(
    participant, manager, outsider
):
    _claims_of_every_kind(participant, manager, 2)
    _claims_of_every_kind(outsider, manager, 10)
    few, few_trackers = _count_trackers(participant)
    many, many_trackers = _count_trackers(outsider)
    assert len(few_trackers) == 2 and len(many_trackers) == 10
    assert any(t.blockers for t in many_trackers)
    assert few == many, (few, many)


def test_the_home_costs_the_same_queries_for_2_or_10_blocked_claims(
    client, participant, manager, outsider
):
    for user, count in ((participant, 2), (outsider, 10)):
        _claims_of_every_kind(user, manager, count)
    counts = []
    for user in (participant, outsider):
        client.force_login(user)
        client.get(HOME)  # fills the caches a later request finds full
        with CaptureQueriesContext(connection) as queries:
            text = _text(client.get(HOME))
        assert "Ce qui bloque vos paiements" in text
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
