"""Validating many claims at once from the queue: set-based, the same result
as validating them one by one, in a fixed number of queries, in the
background beyond a page of claims."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from claims import services
from claims.admin.bulk import IN_REQUEST_LIMIT
from claims.admin.decisions import REFUSALS
from claims.models import Claim, ClaimLine, ClaimStatus
from claims.services import bulk_review
from claims.services.review import refusal_text
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.entry_helpers import page_text
from tests.claims.review_helpers import claim_in
from tests.claims.volume import many_claims
from tests.platform_helpers import DATABASE_TASKS, run_stored_task

S = ClaimStatus
QUEUE = "/gestion/claims/claim/"
TASK_PATH = "claims.services.bulk_review.approve_claims"


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def validation_state(ids: list[int]) -> dict:
    """What a validation leaves behind on these claims, leaving out the times."""
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Claim),
        target_id__in=ids,
        action="claims.claim.approved",
    ).values_list("target_id", "actor_id", "actor_label", "from_status", "to_status")
    data = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Claim),
        target_id__in=ids,
        action="claims.claim.approved",
    ).values_list("target_id", "data")
    return {
        "claims": list(
            Claim.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list(
                "pk", "status", "remuneration_amount", "travel_amount", "version"
            )
        ),
        "lines": sorted(
            ClaimLine.objects.filter(claim_id__in=ids).values_list(
                "claim_id", "kind", "label", "date", "quantity", "unit_rate", "amount"
            )
        ),
        "events": sorted(events),
        "event_data": sorted((pk, sorted(d.items())) for pk, d in data),
        "mails": sorted(
            (tuple(message.to), message.subject, message.body)
            for message in mail.outbox
        ),
    }


def one_by_one(ids: list[int], manager, capture) -> tuple[dict, dict[int, str]]:
    """The state and refusals `claim_approve` claim after claim leaves, undone
    afterwards so the same claims can be validated again."""
    refusals = {}
    savepoint = transaction.savepoint()
    with capture(execute=True):
        for claim in Claim.objects.filter(pk__in=ids).order_by("pk"):
            try:
                services.claim_approve(claim=claim, by=manager)
            except REFUSALS as refused:
                refusals[claim.pk] = refusal_text(refused)
    state = validation_state(ids)
    transaction.savepoint_rollback(savepoint)
    mail.outbox.clear()
    return state, refusals


def test_a_hundred_claims_validated_in_the_background_end_as_one_by_one(
    as_manager, manager, django_capture_on_commit_callbacks
):
    claims = many_claims(100, manager)
    # Four eyes: the manager's own claim, among the others.
    own = claim_in(S.SUBMITTED, manager, factories.ManagerFactory())
    ids = sorted([claim.pk for claim in claims] + [own.pk])
    expected, refusals = one_by_one(ids, manager, django_capture_on_commit_callbacks)
    assert len(ids) > IN_REQUEST_LIMIT
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(
            QUEUE, {"action": "approve_selected", "_selected_action": ids}
        )
    assert response.status_code == 200
    state = validation_state(ids)
    assert state == expected
    validated = [row for row in state["claims"] if row[1] == S.APPROVED]
    # The claims already validated are refused (their status), not counted.
    newly = len(ids) - len(refusals)
    assert len(state["events"]) - sum(c.status == S.APPROVED for c in claims) == newly
    assert len(state["mails"]) == newly > 30
    assert len(validated) == newly + sum(c.status == S.APPROVED for c in claims)
    text = page_text(response)
    assert f"{newly} états de frais validés" in text
    assert f"{len(refusals)} non validés" in text
    assert "propre état de frais" in refusals[own.pk]
    for reason in set(refusals.values()):
        assert reason in text


def test_refused_claims_keep_their_status_and_their_reason_in_the_report(
    as_manager, participant, manager
):
    draft = claim_in(S.DRAFT, participant, manager)
    own = claim_in(S.SUBMITTED, manager, factories.ManagerFactory())
    ok = claim_in(S.SUBMITTED, participant, manager)
    outcomes = bulk_review.claims_approve(
        claim_ids=[draft.pk, own.pk, ok.pk, 999_999], by=manager
    )
    assert [(o.claim_id, o.ok) for o in outcomes] == [
        (draft.pk, False),
        (own.pk, False),
        (ok.pk, True),
        (999_999, False),
    ]
    assert "statut actuel : Mission en cours de saisie" in outcomes[0].text
    assert "propre état de frais" in outcomes[1].text
    assert outcomes[2].text == "Validé : 200,00\u00a0€."
    assert outcomes[3].text == "Cet état de frais n'existe plus."
    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert statuses == {draft.pk: S.DRAFT, own.pk: S.SUBMITTED, ok.pk: S.APPROVED}


@pytest.mark.parametrize("count", [10, 100])
def test_validating_claims_costs_the_same_queries_for_10_and_100(
    manager, count, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    ids = [claim.pk for claim in many_claims(count, manager)]
    # The savepoint and its release, the lock, the trips, meals and nights,
    # the kilometres counted, the rate book (its cache, its two tables), old
    # lines, new lines, claims, events: 14 at most, whatever the number.
    with django_capture_on_commit_callbacks(), django_assert_max_num_queries(14):
        outcomes = bulk_review.approve_chunk(claim_ids=ids, by=manager)
    assert sum(outcome.ok for outcome in outcomes) >= count // 3


@override_settings(TASKS=DATABASE_TASKS)
def test_a_large_selection_is_followed_on_a_page_until_its_report(
    as_manager, manager, django_capture_on_commit_callbacks
):
    claims = many_claims(IN_REQUEST_LIMIT + 10, manager)
    ids = [claim.pk for claim in claims]
    before = sum(claim.status == S.APPROVED for claim in claims)
    response = as_manager.post(
        QUEUE, {"action": "approve_selected", "_selected_action": ids}
    )
    assert response.status_code == 302
    page = response["Location"]
    assert page.startswith(QUEUE + "validation/")
    waiting = as_manager.get(page)
    assert f"Validation de {len(ids)} états de frais lancée" in page_text(waiting)
    assert "en attente du traitement" in page_text(waiting)
    assert Claim.objects.filter(pk__in=ids, status=S.APPROVED).count() < len(ids)
    stored = DBTaskResult.objects.get(task_path=TASK_PATH)
    stored.claim("worker-1")  # the worker has taken it, not yet run it
    running_page = as_manager.get(page)
    running = page_text(running_page)
    # Never a page that reloads itself (RGAA 13.1): a script polls, and a
    # link refreshes it by hand.
    assert b'http-equiv="refresh"' not in running_page.content
    assert b"imagin/progress.js" in running_page.content
    assert "Actualiser" in running
    assert "Validation en cours : 0 " in running, running
    assert f"sur {len(ids)}" in running
    with django_capture_on_commit_callbacks(execute=True):
        run_stored_task(stored)
    done_page = as_manager.get(page)
    done = page_text(done_page)
    # The script stops there: the report, no status region to follow.
    assert b"data-progress-report-page" in done_page.content
    assert b"data-progress " not in done_page.content
    validated = Claim.objects.filter(pk__in=ids, status=S.APPROVED).count() - before
    assert validated > 10
    assert f"{validated} états de frais validés" in done
    assert "non validés" in done


def test_the_progress_page_of_an_unknown_validation_is_not_found(as_manager):
    response = as_manager.get(
        QUEUE + "validation/00000000-0000-0000-0000-000000000000/"
    )
    assert response.status_code == 404


@override_settings(TASKS=DATABASE_TASKS)
def test_a_validation_that_failed_says_so_and_what_was_done(
    as_manager, manager, django_capture_on_commit_callbacks
):
    ids = [claim.pk for claim in many_claims(IN_REQUEST_LIMIT + 5, manager)]
    page = as_manager.post(
        QUEUE, {"action": "approve_selected", "_selected_action": ids}
    )["Location"]
    stored = DBTaskResult.objects.get(task_path=TASK_PATH)
    stored.claim("worker-1")
    stored.set_failed(RuntimeError("le serveur s'est arrêté"))
    response = as_manager.get(page)
    text = page_text(response)
    assert response.status_code == 200
    assert "s'est arrêtée en cours de route" in text
    assert f"0 états de frais validés sur {len(ids)}" in text
    # Nothing left to follow: the script stops, no "Actualiser" promise.
    assert b"data-progress-stopped" in response.content
    assert "Actualiser" not in text


@override_settings(TASKS=DATABASE_TASKS)
def test_only_the_manager_who_launched_a_validation_follows_it(
    client, as_manager, manager, participant
):
    ids = [claim.pk for claim in many_claims(IN_REQUEST_LIMIT + 5, manager)]
    page = as_manager.post(
        QUEUE, {"action": "approve_selected", "_selected_action": ids}
    )["Location"]
    client.force_login(factories.ManagerFactory())
    assert client.get(page).status_code == 404
    client.force_login(participant)
    assert client.get(page).status_code in (302, 403, 404)
    client.logout()
    assert client.get(page).status_code == 302
