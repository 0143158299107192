"""No input a browser can send breaks the division's decisions: every
decision form, the queue's bulk actions and the payment batch forms answer
without a 5xx; a refused form shows what was typed again and leaves the
claim (or batch) as it was (issue 15, points 1 and 2).

Run them on PostgreSQL too: it refuses NUL bytes that SQLite keeps.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import services
from claims.models import Claim, ClaimStatus, PaymentBatch, PaymentBatchStatus
from missions.models import MissionType
from tests import factories
from tests.claims.entry_helpers import page_text
from tests.claims.review_helpers import checked_financial_file, claim_in
from tests.hostile import (
    assert_no_server_error,
    assert_shown_again,
    hostile_number_text,
    hostile_text,
    junk_fields,
)

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")
QUEUE = reverse("admin:claims_claim_changelist")
ADD_BATCH = reverse("admin:claims_paymentbatch_add")
hostile = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# What a refused decision must leave as it was.
DECIDED = (
    "status",
    "version",
    "copies_validated",
    "candidates_validated",
    "hours_validated",
    "manager_amount",
    "remuneration_amount",
    "travel_amount",
)


@contextmanager
def rolled_back():
    """Each generated example starts from the same claims."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def decision_url(claim, decision: str) -> str:
    return reverse("admin:claims_claim_decision", args=[claim.pk, decision])


def state(claim: Claim) -> tuple:
    fresh = Claim.objects.get(pk=claim.pk)
    return tuple(getattr(fresh, name) for name in DECIDED)


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def hourly_submitted(participant, manager) -> Claim:
    """An hourly claim with candidates, entered and validated by its
    participant: its hours and candidates can be corrected."""
    kind = factories.MissionTypeFactory(
        payment_basis=MissionType.PaymentBasis.PER_HOUR,
        counts_candidates=True,
        travel_eligible=False,
    )
    claim = claim_in(S.DRAFT, participant, manager, mission_type=kind)
    for step, values in (
        ("mission", {}),
        ("service", {"hours_declared": Decimal("6"), "candidates_declared": 8}),
    ):
        claim = services.claim_step_save(
            claim=claim,
            by=participant,
            version=claim.version,
            step=step,
            values=values,
            complete=True,
        )
    return services.claim_submit(claim=claim, by=participant, version=claim.version)[0]


@pytest.fixture
def claims(participant, manager) -> dict[str, Claim]:
    """A claim each decision applies to."""
    surveillance = factories.MissionTypeFactory(
        payment_basis="manager_entered", travel_eligible=False
    )
    return {
        "valider": claim_in(S.SUBMITTED, participant, manager),
        "renvoyer": claim_in(S.SUBMITTED, participant, manager),
        "corriger": hourly_submitted(participant, manager),
        "montant": claim_in(S.DRAFT, participant, manager, mission_type=surveillance),
        "annuler": claim_in(S.APPROVED, participant, manager),
        "retablir": claim_in(S.CANCELLED, participant, manager),
        "clore": claim_in(S.NOT_PERFORMED, participant, manager),
    }


# Each decision's fields, with what a browser may send in them.
FIELDS = {
    "valider": {},
    "renvoyer": {"reason": hostile_text()},
    "corriger": {
        "hours_validated": hostile_number_text(),
        "candidates_validated": st.one_of(hostile_number_text(), hostile_text()),
        "reason": hostile_text(),
    },
    "montant": {"amount": hostile_number_text(), "reason": hostile_text()},
    "annuler": {"reason": hostile_text()},
    "retablir": {"reason": hostile_text()},
    "clore": {"comment": hostile_text()},
}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3,333333", "se déclarent au quart d'heure"),
        ("1E-7", "Saisissez un nombre d'heures"),
        ("99999.75", "200 heures au plus"),
        ("1e999999", "Saisissez un nombre d'heures"),
        ("NaN", "Saisissez un nombre d'heures"),
        ("6\x00", "Saisissez un nombre d'heures"),
    ],
)
def test_odd_corrected_hours_are_refused_next_to_the_field(
    as_manager, participant, manager, typed, message
):
    claim = hourly_submitted(participant, manager)
    before = state(claim)
    response = as_manager.post(
        decision_url(claim, "corriger"),
        {"corriger-hours_validated": typed, "corriger-reason": "Vérifié"},
    )
    assert response.status_code == 400
    assert message in page_text(response)
    assert_shown_again(response, typed)
    assert state(claim) == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1E+3", "Saisissez un montant"),
        ("48,205", "Deux décimales au plus"),
        ("100000,01", "100000 au plus"),
        ("Infinity", "Saisissez un montant"),
        ("9" * 50, "Saisissez un montant"),
    ],
)
def test_odd_amounts_are_refused_next_to_the_field(as_manager, claims, typed, message):
    claim = claims["montant"]
    before = state(claim)
    response = as_manager.post(
        decision_url(claim, "montant"), {"montant-amount": typed}
    )
    assert response.status_code == 400
    assert message in page_text(response)
    assert_shown_again(response, typed)
    assert state(claim) == before


def test_a_control_character_in_a_reason_is_refused_next_to_it(as_manager, claims):
    claim = claims["renvoyer"]
    before = state(claim)
    response = as_manager.post(
        decision_url(claim, "renvoyer"), {"renvoyer-reason": "À revoir\x00\x1b"}
    )
    assert response.status_code == 400
    assert "caractère invisible" in page_text(response)
    assert state(claim) == before


@hostile
@given(
    data=st.data(),
    decision=st.sampled_from(sorted(FIELDS)),
    junk=junk_fields(),
    unprefixed=st.booleans(),
)
def test_no_decision_input_gives_a_server_error_or_a_silent_change(
    as_manager, claims, data, decision, junk, unprefixed
):
    claim = claims[decision]
    typed = {
        name: data.draw(strategy, label=name)
        for name, strategy in FIELDS[decision].items()
    }
    payload = {**junk}
    for name, value in typed.items():
        # The form's prefixed name, sometimes duplicated by its bare name.
        payload[f"{decision}-{name}"] = value
        if unprefixed:
            payload[name] = value
    before = state(claim)
    with rolled_back():
        response = as_manager.post(decision_url(claim, decision), payload)
        assert_no_server_error(response)
        if response.status_code == 302:
            assert state(claim) != before or decision == "montant"
        else:
            assert response.status_code in (400, 409)
            assert state(claim) == before
            for value in typed.values():
                assert_shown_again(response, value)
    assert state(claim) == before


# ------------------------------------------------------------ bulk actions


@pytest.mark.parametrize(
    "selected", [[""], ["abc"], ["1e3"], ["\x00"], ["9" * 30], ["١"], ["-1"]]
)
def test_a_hand_made_selection_is_nothing_selected(as_manager, claims, selected):
    response = as_manager.post(
        QUEUE, {"action": "approve_selected", "_selected_action": selected}
    )
    assert response.status_code == 302  # back to the queue, nothing selected
    assert Claim.objects.get(pk=claims["valider"].pk).status == S.SUBMITTED


@hostile
@given(
    action=st.one_of(
        st.sampled_from(["approve_selected", "put_into_payment", "delete_selected"]),
        hostile_text(40),
    ),
    selected=st.lists(
        st.one_of(st.sampled_from(["claim"]), hostile_number_text(), hostile_text(40)),
        max_size=5,
    ),
    extra=st.fixed_dictionaries(
        {
            "select_across": st.one_of(st.none(), hostile_text(20)),
            "index": st.one_of(st.none(), hostile_number_text()),
        }
    ),
    junk=junk_fields(),
)
def test_no_bulk_action_request_gives_a_server_error(
    as_manager, claims, approved, action, selected, extra, junk
):
    ids = [claims["valider"].pk if value == "claim" else value for value in selected]
    payload = {
        **junk,
        "action": action,
        "_selected_action": ids,
        **{key: value for key, value in extra.items() if value is not None},
    }
    with rolled_back():
        response = as_manager.post(QUEUE, payload)
        assert_no_server_error(response)


# ------------------------------------------------------ payment batches


@pytest.fixture
def approved(participant, manager) -> Claim:
    checked_financial_file(participant, manager)
    return claim_in(S.APPROVED, participant, manager)


@hostile
@given(
    until=st.one_of(
        st.dates().map(lambda day: day.isoformat()),
        st.just(timezone.localdate().isoformat()),
        hostile_text(40),
        hostile_number_text(),
    ),
    session=st.one_of(st.none(), hostile_number_text(), hostile_text(40)),
    label=hostile_text(),
    junk=junk_fields(),
)
def test_no_batch_request_gives_a_server_error_or_a_batch_made_of_nothing(
    as_manager, approved, until, session, label, junk
):
    payload = {**junk, "until": until, "label": label}
    if session is not None:
        payload["session"] = session
    with rolled_back():
        response = as_manager.post(ADD_BATCH, payload)
        assert_no_server_error(response)
        if response.status_code == 200 and "errorlist" in response.content.decode():
            assert not PaymentBatch.objects.exists()
            assert_shown_again(response, label)
        for batch in PaymentBatch.objects.all():
            assert "\x00" not in batch.label


def test_a_control_character_in_a_batch_label_is_refused_next_to_it(
    as_manager, approved
):
    response = as_manager.post(
        ADD_BATCH,
        {"until": timezone.localdate().isoformat(), "label": "Juillet\x1b[31m"},
    )
    assert response.status_code == 200
    assert "caractère invisible" in page_text(response)
    assert not PaymentBatch.objects.exists()


@pytest.fixture
def open_batch(approved, manager) -> PaymentBatch:
    return services.payment_batch_create(claim_ids=[approved.pk], by=manager).batch


@hostile
@given(reason=hostile_text(), junk=junk_fields(), bare=st.booleans())
def test_no_batch_cancellation_reason_gives_a_server_error(
    as_manager, open_batch, reason, junk, bare
):
    batch = open_batch
    with rolled_back():
        response = as_manager.post(
            reverse("admin:claims_paymentbatch_cancel", args=[batch.pk]),
            {**junk, "reason": reason, **({"motif": reason} if bare else {})},
        )
        assert_no_server_error(response)
        batch.refresh_from_db()
        if response.status_code == 400:
            assert batch.status == PaymentBatchStatus.OPEN
            assert_shown_again(response, reason)
        else:
            assert batch.status == PaymentBatchStatus.CANCELLED
