"""The claims queue and the claim review page of the back-office: who gets
in, what a manager sees, every decision's page (happy path, GET refused,
wrong role, unknown claim, bad input kept, refused status explained), bulk
validation with mixed results, and the queue's query count."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimStatus, PaymentBatch
from claims.services import bulk_review, review
from tests import factories
from tests.claims.entry_helpers import PDF, page_text
from tests.claims.review_helpers import IBAN, checked_financial_file, claim_in
from tests.claims.volume import many_claims
from tests.html import assert_strict_csp_page

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")

QUEUE = reverse("admin:claims_claim_changelist")


def review_url(claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


def decision_url(claim, decision: str) -> str:
    return reverse("admin:claims_claim_decision", args=[claim.pk, decision])


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def submitted_claim(participant, manager):
    return claim_in(S.SUBMITTED, participant, manager)


# ---------------------------------------------------------------- access


def admin_urls(claim) -> list[str]:
    return [
        QUEUE,
        review_url(claim),
        decision_url(claim, "valider"),
        reverse("admin:claims_claim_document", args=[claim.pk, 1]),
        reverse("admin:claims_paymentbatch_changelist"),
        reverse("admin:claims_paymentbatch_add"),
        reverse("admin:index"),
        reverse("admin:imagin_auditevent_changelist"),
    ]


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, submitted_claim):
    for url in admin_urls(submitted_claim):
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 302, url
            assert "/login/" in response["Location"], url
    assert Claim.objects.get(pk=submitted_claim.pk).status == S.SUBMITTED


@pytest.mark.parametrize("who", ["participant", "outsider"])
def test_participants_get_nothing_from_the_back_office(
    client, request, submitted_claim, who
):
    client.force_login(request.getfixturevalue(who))
    for url in admin_urls(submitted_claim):
        for response in (client.get(url, follow=True), client.post(url, follow=True)):
            assert response.status_code == 403, url
    assert Claim.objects.get(pk=submitted_claim.pk).status == S.SUBMITTED


def test_an_unknown_claim_is_not_found(as_manager):
    assert (
        as_manager.get(reverse("admin:claims_claim_change", args=[999])).status_code
        == 404
    )
    assert as_manager.post(decision_url(Claim(pk=999), "valider")).status_code == 404
    assert as_manager.get(QUEUE.replace("claim/", "claim/abc/change/")).status_code in (
        302,
        404,
    )


def test_an_unknown_decision_is_not_found(as_manager, submitted_claim):
    assert as_manager.post(decision_url(submitted_claim, "payer")).status_code == 404


# ----------------------------------------------------------------- queue


def test_the_queue_filters_searches_and_puts_the_oldest_waiting_first(
    as_manager, participant, external_participant, manager
):
    older = claim_in(S.SUBMITTED, participant, manager)
    newer = claim_in(S.SUBMITTED, external_participant, manager)
    draft = claim_in(S.DRAFT, participant, manager)
    page = as_manager.get(QUEUE)
    assert page.status_code == 200
    assert [c.pk for c in page.context["cl"].result_list] == [
        older.pk,
        newer.pk,
        draft.pk,
    ]

    def listed(query: str) -> set[int]:
        return {c.pk for c in as_manager.get(QUEUE + query).context["cl"].result_list}

    session = newer.assignment.mission.exam.session
    mission = newer.assignment.mission
    assert listed("?status__exact=draft") == {draft.pk}
    assert listed("?a_traiter=valider") == {older.pk, newer.pk}
    assert listed(f"?assignment__mission__exam__session__id__exact={session.pk}") == {
        newer.pk
    }
    assert listed(f"?assignment__mission__exam__id__exact={mission.exam_id}") == {
        newer.pk
    }
    assert listed(f"?assignment__mission__epreuve__id__exact={mission.epreuve_id}") == {
        newer.pk
    }
    assert listed(
        f"?assignment__mission__mission_type__id__exact={mission.mission_type_id}"
    ) == {newer.pk}
    assert listed(f"?assignment__mission__centre__id__exact={mission.centre_id}") == {
        newer.pk
    }
    assert listed("?q=Bernard") == {newer.pk}
    assert listed(f"?q={external_participant.participant_number}") == {newer.pk}
    # "n° 12" names a claim alone; a bare "12" also finds identifiers holding it.
    assert listed(f"?q=n°+{draft.pk}") == {draft.pk}
    assert draft.pk in listed(f"?q={draft.pk}")


def test_the_queue_shows_the_declaration_and_the_amount(as_manager, submitted_claim):
    html = page_text(as_manager.get(QUEUE))
    assert "40 copies" in html
    assert "≈ 200,00\u00a0€ (estimation)" in html


def test_the_queue_costs_a_fixed_number_of_queries(
    as_manager, manager, django_assert_max_num_queries
):
    many_claims(10, manager)
    # Once per session and per process, not per page: the session's refresh
    # stamp and the rate book's first read.
    as_manager.get(QUEUE)
    with django_assert_max_num_queries(30) as small:
        assert as_manager.get(QUEUE).status_code == 200
    many_claims(1000, manager)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert as_manager.get(QUEUE + "?o=-1").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# ------------------------------------------------------------ the page


def test_the_review_page_shows_what_a_manager_checks(
    as_manager, participant, manager, submitted_claim
):
    checked_financial_file(participant, manager)
    services.document_add(
        claim=submitted_claim,
        by=participant,
        kind="other",
        upload=SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
    )
    response = as_manager.get(review_url(submitted_claim))
    assert_strict_csp_page(response)
    text = page_text(response)
    assert "Validé par l'intervenant" in text
    assert "Déclaré par l'intervenant" in text and "Retenu par la division" in text
    assert "Vérifié" in text and "FR76" in text and IBAN not in text.replace(" ", "")
    assert "attestation.pdf" in text
    assert "Historique" in text and "Validé par l'intervenant" in text
    for button in ("Valider l'état de frais", "Renvoyer pour correction"):
        assert f'value="{button}"' in text


def test_managers_download_the_supporting_documents(
    as_manager, participant, submitted_claim
):
    document = services.document_add(
        claim=submitted_claim,
        by=participant,
        kind="other",
        upload=SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
    )
    url = reverse("admin:claims_claim_document", args=[submitted_claim.pk, document.pk])
    response = as_manager.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    other = claim_in(S.SUBMITTED, factories.UserFactory(), factories.ManagerFactory())
    wrong = reverse("admin:claims_claim_document", args=[other.pk, document.pk])
    assert as_manager.get(wrong).status_code == 404


# ------------------------------------------------------------- decisions


def test_a_manager_validates_from_the_page(as_manager, submitted_claim):
    response = as_manager.post(decision_url(submitted_claim, "valider"))
    assert response.status_code == 302
    assert response["Location"] == review_url(submitted_claim)
    submitted_claim.refresh_from_db()
    assert submitted_claim.status == S.APPROVED
    assert "validé : 200,00" in page_text(as_manager.get(review_url(submitted_claim)))


@pytest.mark.parametrize("decision", ["valider", "renvoyer", "annuler", "corriger"])
def test_a_decision_is_never_taken_by_get(as_manager, submitted_claim, decision):
    assert as_manager.get(decision_url(submitted_claim, decision)).status_code == 405
    assert Claim.objects.get(pk=submitted_claim.pk).status == S.SUBMITTED


def test_sending_back_without_a_reason_is_explained_and_nothing_is_lost(
    as_manager, submitted_claim
):
    response = as_manager.post(
        decision_url(submitted_claim, "renvoyer"), {"renvoyer-reason": ""}
    )
    assert response.status_code == 400
    assert "Le motif est obligatoire." in page_text(response)
    response = as_manager.post(
        decision_url(submitted_claim, "corriger"),
        {
            "corriger-copies_validated": "trente",
            "corriger-reason": "Deux copies blanches",
        },
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "Saisissez un nombre entier" in text
    assert 'value="trente"' in text and "Deux copies blanches" in text
    submitted_claim.refresh_from_db()
    assert (submitted_claim.status, submitted_claim.copies_validated) == (
        S.SUBMITTED,
        None,
    )


def test_sending_back_with_a_reason_mails_the_participant(
    as_manager, submitted_claim, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(
            decision_url(submitted_claim, "renvoyer"),
            {"renvoyer-reason": "Le nombre de copies ne correspond pas au bordereau"},
        )
    assert response.status_code == 302
    submitted_claim.refresh_from_db()
    assert submitted_claim.status == S.RETURNED
    assert "ne correspond pas au bordereau" in mailoutbox[-1].body


def test_a_correction_then_a_validation(as_manager, submitted_claim):
    as_manager.post(
        decision_url(submitted_claim, "corriger"),
        {"corriger-copies_validated": "38", "corriger-reason": "Deux copies blanches"},
    )
    as_manager.post(decision_url(submitted_claim, "valider"))
    submitted_claim.refresh_from_db()
    assert (submitted_claim.copies_declared, submitted_claim.copies_validated) == (
        40,
        38,
    )
    assert submitted_claim.remuneration_amount == 190


def test_a_refused_decision_says_why_and_keeps_the_reason_typed(
    as_manager, participant, manager
):
    draft = claim_in(S.DRAFT, participant, manager)
    response = as_manager.post(
        decision_url(draft, "renvoyer"), {"renvoyer-reason": "Mon long motif"}
    )
    assert response.status_code == 409
    text = page_text(response)
    assert "ne peut" not in text or "statut actuel" in text
    assert "statut actuel : Mission en cours de saisie" in text
    assert "Mon long motif" in text
    assert Claim.objects.get(pk=draft.pk).status == S.DRAFT


def test_cancel_restore_close_and_amount_from_the_page(
    as_manager, participant, manager
):
    claim = claim_in(S.NOT_PERFORMED, participant, manager)
    assert (
        as_manager.post(decision_url(claim, "clore"), {"clore-comment": ""}).status_code
        == 302
    )
    assert Claim.objects.get(pk=claim.pk).status == S.CLOSED
    as_manager.post(decision_url(claim, "annuler"), {"annuler-reason": "Doublon"})
    assert Claim.objects.get(pk=claim.pk).status == S.CANCELLED
    as_manager.post(decision_url(claim, "retablir"), {"retablir-reason": "Erreur"})
    assert Claim.objects.get(pk=claim.pk).status == S.CLOSED

    kind = factories.MissionTypeFactory(
        payment_basis="manager_entered", travel_eligible=False
    )
    surveillance = claim_in(S.DRAFT, participant, manager, mission_type=kind)
    page = page_text(as_manager.get(review_url(surveillance)))
    assert "saisissez-le avant de valider" in page
    bad = as_manager.post(
        decision_url(surveillance, "montant"), {"montant-amount": "-3"}
    )
    assert bad.status_code == 400 and 'value="-3"' in page_text(bad)
    as_manager.post(decision_url(surveillance, "montant"), {"montant-amount": "48,20"})
    as_manager.post(decision_url(surveillance, "valider"))
    surveillance.refresh_from_db()
    assert (surveillance.status, str(surveillance.remuneration_amount)) == (
        S.APPROVED,
        "48.20",
    )


def test_a_manager_sees_their_own_claim_but_cannot_decide_on_it(client, manager):
    colleague = factories.ManagerFactory()
    own = claim_in(S.SUBMITTED, manager, colleague)
    client.force_login(manager)
    assert own.pk in {c.pk for c in client.get(QUEUE).context["cl"].result_list}
    response = client.get(review_url(own))
    html = response.content.decode()
    assert "propre état de frais" in page_text(response)
    assert 'value="Valider l\'état de frais"' not in html.replace("&#x27;", "'")
    assert "disabled" in html
    refused = client.post(decision_url(own, "valider"))
    assert refused.status_code == 409
    assert Claim.objects.get(pk=own.pk).status == S.SUBMITTED


# ------------------------------------------------------------ bulk actions


def test_bulk_validation_reports_each_claim_and_validates_the_valid_ones(
    as_manager, participant, manager
):
    ok = claim_in(S.SUBMITTED, participant, manager)
    draft = claim_in(S.DRAFT, participant, manager)
    own = claim_in(S.SUBMITTED, manager, factories.ManagerFactory())
    response = as_manager.post(
        QUEUE,
        {
            "action": "approve_selected",
            "_selected_action": [ok.pk, draft.pk, own.pk],
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "1 état de frais validé" in text and "2 non validés" in text
    assert "Validé : 200,00" in text
    assert "statut actuel : Mission en cours de saisie" in text
    assert "propre état de frais" in text
    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert statuses == {ok.pk: S.APPROVED, draft.pk: S.DRAFT, own.pk: S.SUBMITTED}


def test_putting_selected_claims_into_payment_from_the_queue(
    as_manager, participant, manager
):
    checked_financial_file(participant, manager)
    approved = claim_in(S.APPROVED, participant, manager)
    waiting = claim_in(S.SUBMITTED, participant, manager)
    response = as_manager.post(
        QUEUE,
        {"action": "put_into_payment", "_selected_action": [approved.pk, waiting.pk]},
        follow=True,
    )
    batch = PaymentBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:claims_paymentbatch_change", args=[batch.pk]
    )
    text = page_text(response)
    assert "1 état de frais mis en paiement" in text
    assert f"N° {waiting.pk}" in text and "laissé de côté" in text
    assert list(batch.claims.all()) == [approved]


def test_an_unexpected_error_on_one_claim_does_not_stop_the_others(
    as_manager, participant, manager, monkeypatch
):
    claims = [claim_in(S.SUBMITTED, participant, manager) for _ in range(3)]
    approve = review.claim_approve

    def broken(*args, **kwargs):
        raise RuntimeError("connexion perdue")

    def flaky(*, claim, by, book=None):
        if claim.pk != claims[1].pk:
            return approve(claim=claim, by=by, book=book)
        with transaction.atomic():  # as a failure inside the service would be
            approve(claim=claim, by=by, book=book)
            raise RuntimeError("connexion perdue")

    # The set-based write fails: the chunk is validated again claim by claim,
    # where one claim fails again.
    monkeypatch.setattr(bulk_review, "_freeze", broken)
    monkeypatch.setattr(review, "claim_approve", flaky)
    response = as_manager.post(
        QUEUE,
        {"action": "approve_selected", "_selected_action": [c.pk for c in claims]},
    )
    assert response.status_code == 200
    assert "Erreur inattendue" in page_text(response)
    statuses = dict(Claim.objects.values_list("pk", "status"))
    # Undone for that claim only; the others of the same commit are kept.
    assert [statuses[c.pk] for c in claims] == [S.APPROVED, S.SUBMITTED, S.APPROVED]


@pytest.mark.parametrize(
    "path",
    [
        QUEUE + "?q=²",
        QUEUE + "?q=n°99999999999999999999999",
        QUEUE + "?assignment__mission__exam__id__exact=abc",
        QUEUE + "?o=99",
        QUEUE.replace("claim/", "claim/²/change/"),
        "/gestion/claims/paymentbatch/²/change/",
        "/gestion/?session=²",
        "/gestion/imagin/auditevent/?created_at__year=²",
        "/gestion/imagin/auditevent/?target_id=abc",
        "/gestion/claims/claim/99999999999999999999/change/",
    ],
)
def test_odd_addresses_never_answer_500(as_manager, path):
    assert as_manager.get(path).status_code in (200, 302, 404)


def test_administrators_read_claims_but_the_division_decides(client, submitted_claim):
    administrator = factories.AdministratorFactory()
    client.force_login(administrator)
    assert client.get(review_url(submitted_claim)).status_code == 200
    assert client.post(decision_url(submitted_claim, "valider")).status_code == 403
    assert client.get(reverse("admin:claims_paymentbatch_add")).status_code == 403
    assert Claim.objects.get(pk=submitted_claim.pk).status == S.SUBMITTED
