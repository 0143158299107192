"""Mises en paiement in the back-office: building a batch up to a date, its
page, the export (POST only, recorded), the recap, cancelling and paying."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClaimStatus, PaymentBatch, PaymentBatchStatus
from imagin.audit import AuditEvent
from tests.claims.entry_helpers import page_text, pdf_text
from tests.claims.review_helpers import IBAN, checked_financial_file, claim_in
from tests.html import assert_strict_csp_page

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")
ADD = reverse("admin:claims_paymentbatch_add")


def url(name: str, batch) -> str:
    return reverse(f"admin:claims_paymentbatch_{name}", args=[batch.pk])


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def batch(as_manager, participant, manager):
    """A batch built on the page from the claims validated up to today."""
    checked_financial_file(participant, manager)
    claim_in(S.APPROVED, participant, manager)
    claim_in(S.APPROVED, participant, manager)
    response = as_manager.post(ADD, {"until": timezone.localdate().isoformat()})
    assert response.status_code == 302
    return PaymentBatch.objects.get()


def test_a_batch_gathers_the_claims_validated_up_to_a_date(as_manager, batch):
    assert batch.claims.count() == 2
    response = as_manager.get(url("change", batch))
    assert_strict_csp_page(response)
    text = page_text(response)
    assert "Constitué, non exporté" in text
    assert "400,00" in text  # 2 × 40 copies × 5 €
    assert "Exporter le fichier (CSV)" in text and "Annuler le lot" in text
    listing = page_text(as_manager.get(reverse("admin:claims_paymentbatch_changelist")))
    assert batch.reference in listing


def test_a_date_with_nothing_validated_creates_nothing_and_says_so(as_manager):
    response = as_manager.post(ADD, {"until": "2000-01-01"}, follow=True)
    assert "Aucun état de frais ne peut être mis en paiement" in page_text(response)
    assert not PaymentBatch.objects.exists()
    bad = as_manager.post(ADD, {"until": "hier", "label": "Juillet"})
    assert bad.status_code == 200
    text = page_text(bad)
    assert "Saisissez une date" in text and 'value="Juillet"' in text


def test_the_export_is_a_post_returns_the_file_and_is_recorded(as_manager, batch):
    assert as_manager.get(url("export", batch)).status_code == 405
    response = as_manager.post(url("export", batch))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode()
    assert content.startswith("lot;etat_de_frais;numero_intervenant")
    assert IBAN in content
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.EXPORTED
    assert (
        AuditEvent.objects.for_object(batch)
        .filter(action="claims.payment_batch.file_downloaded")
        .exists()
    )
    text = page_text(as_manager.get(url("change", batch)))
    assert "Marquer le lot comme payé" in text and "Annuler le lot" not in text


def test_the_recap_pdf_is_laid_out_once_then_downloaded(as_manager, batch):
    # The test's transaction never commits: the recap was not laid out yet,
    # and the page asks for it (the immediate backend does it at once).
    assert not batch.recap
    response = as_manager.get(url("recap", batch))
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert "Total du lot" in pdf_text(content)
    batch.refresh_from_db()
    stored = batch.recap.name
    assert stored.endswith(".pdf")
    again = as_manager.get(url("recap", batch))
    assert b"".join(again.streaming_content) == content
    batch.refresh_from_db()
    assert batch.recap.name == stored


def test_a_recap_not_ready_says_so(as_manager, batch, monkeypatch):
    from claims.services import payments

    monkeypatch.setattr(payments, "schedule_recap", lambda batch: None)
    response = as_manager.get(url("recap", batch), follow=True)
    assert "Le récapitulatif est en préparation" in page_text(response)


def test_a_new_batch_has_its_recap_laid_out_in_the_background(
    participant, manager, django_capture_on_commit_callbacks
):
    from claims import services

    checked_financial_file(participant, manager)
    claim = claim_in(S.APPROVED, participant, manager)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.payment_batch_create(claim_ids=[claim.pk], by=manager).batch
    batch.refresh_from_db()
    assert batch.recap.name.endswith(f"mise-en-paiement-{batch.reference}.pdf")


def test_cancelling_needs_a_reason_and_frees_the_claims(as_manager, batch):
    missing = as_manager.post(url("cancel", batch), {"reason": ""})
    assert missing.status_code == 400
    assert "Le motif est obligatoire." in page_text(missing)
    assert as_manager.get(url("cancel", batch)).status_code == 405
    response = as_manager.post(url("cancel", batch), {"reason": "Mauvais lot"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.CANCELLED
    assert set(Claim.objects.values_list("status", flat=True)) == {S.APPROVED}
    text = page_text(as_manager.get(url("change", batch)))
    assert "le lot a été annulé" in text and "Exporter" not in text


def test_an_exported_batch_is_marked_paid(as_manager, batch):
    early = as_manager.post(url("paid", batch), follow=True)
    assert "Seul un lot exporté" in page_text(early)
    as_manager.post(url("export", batch))
    as_manager.post(url("paid", batch))
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.PAID
    assert set(Claim.objects.values_list("status", flat=True)) == {S.PAID}
    late = as_manager.post(url("cancel", batch), {"reason": "Trop tard"}, follow=True)
    assert "Seul un lot pas encore exporté" in page_text(late)


@pytest.mark.parametrize("who", ["participant", "outsider"])
def test_participants_reach_no_batch(client, request, batch, who):
    client.force_login(request.getfixturevalue(who))
    for name in ("change", "export", "recap", "cancel", "paid"):
        for response in (
            client.get(url(name, batch), follow=True),
            client.post(url(name, batch), {"reason": "x"}, follow=True),
        ):
            assert response.status_code == 403, name
    assert PaymentBatch.objects.get().status == PaymentBatchStatus.OPEN


def test_an_unknown_batch_is_not_found(as_manager, db):
    missing = PaymentBatch(pk=999)
    assert as_manager.get(url("change", missing)).status_code == 404
    assert as_manager.post(url("export", missing)).status_code == 404
    assert as_manager.get(url("recap", missing)).status_code == 404


def test_batches_cannot_be_edited_or_deleted_by_hand(as_manager, batch):
    assert as_manager.post(url("delete", batch), {"post": "yes"}).status_code == 403
    assert PaymentBatch.objects.filter(pk=batch.pk).exists()
