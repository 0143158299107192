"""Sending back, cancelling, restoring and closing at zero many claims at once
from the queue, with one reason for all: each claim checked as alone, the
same end as one by one, in a fixed number of queries per chunk, in the
background beyond a page of claims."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from claims import services
from claims.admin.bulk import IN_REQUEST_LIMIT
from claims.admin.decisions import REFUSALS
from claims.models import Claim, ClaimLine, ClaimStatus, PendingNotification
from claims.services import bulk_decisions
from claims.services.review import Decision, refusal_text
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.entry_helpers import page_text
from tests.claims.review_helpers import claim_in
from tests.claims.volume import many_claims
from tests.platform_helpers import DATABASE_TASKS, run_stored_task

S = ClaimStatus
QUEUE = "/gestion/claims/claim/"
TASK_PATH = "claims.services.bulk_decisions.decide_claims"
ACTIONS = {
    Decision.RETURN: "return_selected",
    Decision.CANCEL: "cancel_selected",
    Decision.RESTORE: "restore_selected",
    Decision.CLOSE: "close_selected",
}
ONE_BY_ONE = {
    Decision.RETURN: lambda claim, by, reason: services.claim_return(
        claim=claim, by=by, reason=reason
    ),
    Decision.CANCEL: lambda claim, by, reason: services.claim_cancel(
        claim=claim, by=by, reason=reason
    ),
    Decision.RESTORE: lambda claim, by, reason: services.claim_restore(
        claim=claim, by=by, reason=reason
    ),
    Decision.CLOSE: lambda claim, by, reason: services.claim_close_not_performed(
        claim=claim, by=by, comment=reason
    ),
}
REASON = "Pièces manquantes — voir la note de service n° 12"


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def post(client, decision, ids, reason=REASON, **extra):
    return client.post(
        QUEUE,
        {
            "action": ACTIONS[decision],
            "_selected_action": ids,
            "confirm": "1",
            "reason": reason,
            **extra,
        },
    )


def decision_state(ids: list[int]) -> dict:
    """What a decision leaves behind on these claims, leaving out the times."""
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Claim), target_id__in=ids
    ).values_list("target_id", "actor_id", "action", "from_status", "to_status", "data")
    return {
        "claims": list(
            Claim.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list(
                "pk",
                "status",
                "status_before_cancel",
                "remuneration_amount",
                "travel_amount",
                "copies_validated",
                "manager_amount",
                "version",
            )
        ),
        "unfrozen": sorted(
            Claim.objects.filter(pk__in=ids, approved_at__isnull=True).values_list(
                "pk", flat=True
            )
        ),
        "lines": sorted(
            ClaimLine.objects.filter(claim_id__in=ids).values_list("claim_id", "kind")
        ),
        "events": sorted(
            (*row[:5], json.dumps(row[5], sort_keys=True)) for row in events
        ),
        "pending": sorted(
            PendingNotification.objects.filter(claim_id__in=ids).values_list(
                "claim_id", "user_id", "kind", "reason"
            )
        ),
        "mails": sorted(
            (tuple(message.to), message.subject, message.body)
            for message in mail.outbox
        ),
    }


class Undone(Exception):
    """Rolls back what the one-by-one decisions did."""


def one_by_one(decision, ids, manager, capture, reason=REASON):
    """The state and refusals the one-by-one service leaves, undone afterwards."""
    refusals: dict[int, str] = {}
    with pytest.raises(Undone), transaction.atomic():
        with capture(execute=True):
            for claim in Claim.objects.filter(pk__in=ids).order_by("pk"):
                try:
                    ONE_BY_ONE[decision](claim, manager, reason)
                except REFUSALS as refused:
                    refusals[claim.pk] = refusal_text(refused)
        state = decision_state(ids)
        raise Undone
    mail.outbox.clear()
    return state, refusals


def selection(manager, count: int) -> list[int]:
    """Claims in every status, some cancelled (from various statuses), one of
    the manager's own, and participants wanting a weekly digest."""
    claims = many_claims(count, manager)
    for claim in claims[::7]:
        if claim.status != S.DRAFT:  # submitted, not performed, validated…
            services.claim_cancel(claim=claim, by=manager, reason="Doublon")
    User.objects.filter(
        pk__in=[claim.assignment.participant_id for claim in claims[::3]]
    ).update(notification_frequency=User.NotificationFrequency.WEEKLY)
    own = claim_in(S.NOT_PERFORMED, manager, factories.ManagerFactory())
    mail.outbox.clear()
    return sorted([claim.pk for claim in claims] + [own.pk])


@pytest.mark.parametrize("decision", list(ACTIONS))
def test_each_decision_on_a_mixed_selection_ends_as_one_by_one(
    as_manager, manager, decision, django_capture_on_commit_callbacks
):
    ids = selection(manager, 30)
    expected, refusals = one_by_one(
        decision, ids, manager, django_capture_on_commit_callbacks
    )
    assert refusals and len(refusals) < len(ids), "a mixed selection"
    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_manager, decision, ids)
    assert response.status_code == 200
    assert decision_state(ids) == expected
    text = page_text(response)
    for reason in set(refusals.values()):
        assert reason in text
    assert "propre état de frais" in text
    done = len(ids) - len(refusals)
    assert f"{done} états de frais" in text
    assert f"{len(refusals)} non " in text
    if decision != Decision.CLOSE:
        assert any(
            json.loads(row[5]) == {"reason": REASON} for row in expected["events"]
        )


def test_a_selection_beyond_a_page_runs_as_a_task_and_ends_as_one_by_one(
    as_manager, manager, django_capture_on_commit_callbacks
):
    ids = selection(manager, IN_REQUEST_LIMIT + 10)
    expected, refusals = one_by_one(
        Decision.CANCEL, ids, manager, django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_manager, Decision.CANCEL, ids)
    # Tasks run at once here: the report follows straight away.
    assert response.status_code == 200
    assert decision_state(ids) == expected
    assert expected["pending"] and expected["mails"]
    text = page_text(response)
    assert f"{len(ids) - len(refusals)} états de frais traités" in text
    assert "Non traité :" in text


def test_the_action_asks_for_the_reason_first_and_keeps_the_selection(
    as_manager, participant, manager
):
    claims = [claim_in(S.SUBMITTED, participant, manager) for _ in range(2)]
    ids = [claim.pk for claim in claims]
    response = as_manager.post(
        QUEUE, {"action": "return_selected", "_selected_action": ids}
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "2 états de frais sélectionnés" in text
    assert "Motif du renvoi" in text
    for pk in ids:
        assert f'name="_selected_action" value="{pk}"' in text
    assert set(Claim.objects.values_list("status", flat=True)) == {S.SUBMITTED}


@pytest.mark.parametrize(
    "decision", [Decision.RETURN, Decision.CANCEL, Decision.RESTORE]
)
def test_the_reason_is_required_where_the_single_decision_requires_it(
    as_manager, participant, manager, decision
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    response = post(as_manager, decision, [claim.pk], reason="   ")
    assert response.status_code == 200
    assert "Le motif est obligatoire." in page_text(response)
    assert Claim.objects.get(pk=claim.pk).status == S.SUBMITTED
    with pytest.raises(ValidationError):
        bulk_decisions.claims_decide(
            decision=decision, claim_ids=[claim.pk], by=manager, reason=" "
        )


def test_closing_at_zero_needs_no_comment(as_manager, participant, manager):
    claim = claim_in(S.NOT_PERFORMED, participant, manager)
    response = post(as_manager, Decision.CLOSE, [claim.pk], reason="")
    assert response.status_code == 200
    assert "1 état de frais traité" in page_text(response)
    assert "Clos à zéro." in page_text(response)
    closed = Claim.objects.get(pk=claim.pk)
    assert (closed.status, closed.total_amount) == (S.CLOSED, 0)


@pytest.mark.parametrize(
    "reason",
    [
        "x" * 1001,
        "Motif\x00avec un octet nul",
        "Motif\x1b[31m en couleur",
        "\x07\x08",
        "\ufffd remplacé",
    ],
)
def test_a_hostile_or_too_long_reason_is_refused_and_kept(
    as_manager, participant, manager, reason
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    response = post(as_manager, Decision.RETURN, [claim.pk], reason=reason)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == S.SUBMITTED
    assert not mail.outbox


@pytest.mark.parametrize("decision", list(ACTIONS))
def test_a_chunk_costs_the_same_queries_for_10_and_40_claims(
    manager, decision, django_capture_on_commit_callbacks
):
    counts = []
    for size in (10, 40):
        ids = [claim.pk for claim in many_claims(size, manager)]
        if decision == Decision.RESTORE:
            bulk_decisions.claims_decide(
                decision=Decision.CANCEL, claim_ids=ids, by=manager, reason="x"
            )
        with (
            django_capture_on_commit_callbacks(),
            CaptureQueriesContext(connection) as queries,
        ):
            outcomes = bulk_decisions.decide_chunk(
                decision=decision, claim_ids=ids, by=manager, reason=REASON
            )
        assert any(outcome.ok for outcome in outcomes)
        counts.append(len(queries))
    # The savepoint and its release, the lock, the lines deleted, the claims,
    # the events; a restoration updates claims and writes events once per
    # status gone back to (four here), whatever the number of claims.
    assert counts[0] == counts[1] <= 14, counts


@override_settings(TASKS=DATABASE_TASKS)
def test_a_large_run_is_followed_by_the_manager_who_launched_it_only(
    as_manager, manager, participant, django_capture_on_commit_callbacks
):
    claims = many_claims(IN_REQUEST_LIMIT + 6, manager)
    own = claim_in(S.SUBMITTED, manager, factories.ManagerFactory())
    ids = [claim.pk for claim in claims] + [own.pk]
    response = post(as_manager, Decision.CANCEL, ids)
    assert response.status_code == 302
    page = response["Location"]
    assert page.startswith(QUEUE + "validation/")
    waiting = page_text(as_manager.get(page))
    assert f"Traitement de {len(ids)} états de frais lancé" in waiting
    assert "en attente du traitement" in waiting
    stored = DBTaskResult.objects.get(task_path=TASK_PATH)
    stored.claim("worker-1")
    running_page = as_manager.get(page)
    running = page_text(running_page)
    assert b"imagin/progress.js" in running_page.content
    assert "Traitement en cours : 0 " in running
    assert f"sur {len(ids)}" in running
    someone = Client()
    someone.force_login(factories.ManagerFactory())
    assert someone.get(page).status_code == 404
    someone.force_login(factories.AdministratorFactory())
    assert someone.get(page).status_code == 403
    someone.force_login(participant)
    assert someone.get(page).status_code in (302, 403, 404)
    with django_capture_on_commit_callbacks(execute=True):
        run_stored_task(stored)
    done_page = as_manager.get(page)
    done = page_text(done_page)
    assert b"data-progress-report-page" in done_page.content
    cancelled = Claim.objects.filter(pk__in=ids, status=S.CANCELLED).count()
    assert cancelled > 10
    assert f"{cancelled} états de frais traités" in done
    assert "1 non traité (voir le motif)" in done
    assert "propre état de frais" in done
    events = AuditEvent.objects.filter(
        action="claims.claim.cancelled", target_id__in=ids
    )
    assert events.count() == cancelled
    assert {event.data["reason"] for event in events} == {REASON}


@override_settings(TASKS=DATABASE_TASKS)
def test_a_failed_run_says_so(as_manager, manager):
    ids = [claim.pk for claim in many_claims(IN_REQUEST_LIMIT + 2, manager)]
    page = post(as_manager, Decision.RETURN, ids)["Location"]
    stored = DBTaskResult.objects.get(task_path=TASK_PATH)
    stored.claim("worker-1")
    stored.set_failed(RuntimeError("arrêt"))
    text = page_text(as_manager.get(page))
    assert "Le traitement s'est arrêté en cours de route" in text
    assert f"0 états de frais traités sur {len(ids)}" in text


def test_a_manager_without_the_right_cannot_decide_in_bulk(
    client, participant, manager
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    client.force_login(factories.AdministratorFactory())
    queue = page_text(client.get(QUEUE))
    assert 'value="cancel_selected"' not in queue
    for decision in ACTIONS:
        # The queue offers them no action: posting one anyway is refused.
        assert post(client, decision, [claim.pk]).status_code == 403
    for action in ("approve_selected", "put_into_payment"):
        posted = {"action": action, "_selected_action": [claim.pk], "index": "0"}
        assert client.post(QUEUE, posted).status_code == 403
    # The progress pages are the deciders' only.
    response = client.get(QUEUE + "validation/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 403
    client.force_login(participant)
    for decision in ACTIONS:
        assert post(client, decision, [claim.pk]).status_code in (302, 403)
    assert Claim.objects.get(pk=claim.pk).status == S.SUBMITTED
    assert not AuditEvent.objects.filter(
        action__in=["claims.claim.returned", "claims.claim.cancelled"]
    ).exists()


def test_a_refused_run_from_the_service_never_stops_half_way(manager, participant):
    ok = claim_in(S.SUBMITTED, participant, manager)
    draft = claim_in(S.DRAFT, participant, manager)
    outcomes = bulk_decisions.claims_decide(
        decision=Decision.RETURN,
        claim_ids=[ok.pk, draft.pk, 999_999],
        by=manager,
        reason=REASON,
    )
    assert [(o.claim_id, o.ok) for o in outcomes] == [
        (ok.pk, True),
        (draft.pk, False),
        (999_999, False),
    ]
    assert "statut actuel" in outcomes[1].text
    assert outcomes[2].text == "Cet état de frais n'existe plus."


def test_sending_back_an_amount_the_division_entered_mails_nobody_as_one_by_one(
    as_manager, participant, manager, django_capture_on_commit_callbacks
):
    kind = factories.MissionTypeFactory(
        payment_basis="manager_entered", travel_eligible=False
    )
    entered = claim_in(S.DRAFT, participant, manager, mission_type=kind)
    services.claim_enter_amount(claim=entered, by=manager, amount=Decimal("48.20"))
    services.claim_approve(claim=entered, by=manager)
    declared = claim_in(S.APPROVED, participant, manager)
    ids = [entered.pk, declared.pk]
    mail.outbox.clear()
    expected, refusals = one_by_one(
        Decision.RETURN, ids, manager, django_capture_on_commit_callbacks
    )
    assert not refusals
    with django_capture_on_commit_callbacks(execute=True):
        post(as_manager, Decision.RETURN, ids)
    assert decision_state(ids) == expected
    # The division enters the amount again: nothing for the participant to do.
    assert Claim.objects.get(pk=entered.pk).manager_amount is None
    assert Claim.objects.get(pk=declared.pk).status == S.RETURNED
    assert [message.to for message in mail.outbox] == [[participant.email]]
    assert REASON in mail.outbox[0].body
