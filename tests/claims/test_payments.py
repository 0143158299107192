"""Mises en paiement: building a batch, its exclusivity, its file for the
financial system (exact columns), its recap, cancelling it before the export,
marking it paid, and the participants' e-mails."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from claims import exports, services
from claims.models import Claim, ClaimStatus, PaymentBatch, PaymentBatchStatus
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.entry_helpers import pdf_text
from tests.claims.review_helpers import IBAN, checked_financial_file, claim_in

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")


@pytest.fixture
def approved(participant, manager):
    """Two validated claims of the participant, whose bank details are checked."""
    checked_financial_file(participant, manager)
    return [claim_in(S.APPROVED, participant, manager) for _ in range(2)]


def batch_of(claims, manager) -> PaymentBatch:
    return services.payment_batch_create(
        claim_ids=[c.pk for c in claims], by=manager
    ).batch


def test_validated_claims_go_into_a_batch_and_the_participant_is_told_once(
    approved, manager, participant, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.payment_batch_create(
            claim_ids=[c.pk for c in approved], by=manager, label="Bac, juillet"
        )
    batch = outcome.batch
    assert outcome.excluded == []
    assert batch.status == PaymentBatchStatus.OPEN and batch.label == "Bac, juillet"
    for claim in approved:
        claim.refresh_from_db()
        assert (claim.status, claim.payment_batch) == (S.IN_PAYMENT, batch)
        event = AuditEvent.objects.for_object(claim).latest("pk")
        assert (event.action, event.from_status, event.to_status) == (
            "claims.claim.in_payment",
            "approved",
            "in_payment",
        )
    created = AuditEvent.objects.for_object(batch).get()
    assert created.data["claims"] == [c.pk for c in approved]
    # One e-mail for both claims, with a link to each.
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "Vos états de frais sont mis en paiement"
    for claim in approved:
        assert f"/mes-etats-de-frais/{claim.pk}/" in message.body
    assert batch.reference in message.body


def test_a_claim_is_never_in_two_batches(approved, manager):
    first = batch_of(approved, manager)
    second = services.payment_batch_create(
        claim_ids=[
            approved[0].pk,
            claim_in(S.APPROVED, approved[0].assignment.participant, manager).pk,
        ],
        by=manager,
    )
    assert [claim.pk for claim, _why in second.excluded] == [approved[0].pk]
    assert "Mis en paiement" in second.excluded[0][1]
    assert Claim.objects.get(pk=approved[0].pk).payment_batch == first


def test_claims_that_cannot_be_paid_are_left_out_with_the_reason(participant, manager):
    stranger = factories.UserFactory()  # no financial file
    unchecked = factories.UserFactory()
    from accounts.services import financial_file_save

    financial_file_save(
        user=unchecked, by=unchecked, holder="X", iban=IBAN, bic="AGRIFRPP"
    )
    checked_financial_file(participant, manager)
    payable = claim_in(S.APPROVED, participant, manager)
    others = [
        claim_in(S.SUBMITTED, participant, manager),
        claim_in(S.APPROVED, stranger, manager),
        claim_in(S.APPROVED, unchecked, manager),
    ]
    outcome = services.payment_batch_create(
        claim_ids=[payable.pk] + [c.pk for c in others], by=manager
    )
    reasons = dict((claim.pk, why) for claim, why in outcome.excluded)
    assert "pas validé par le gestionnaire" in reasons[others[0].pk]
    assert "pas de dossier financier" in reasons[others[1].pk]
    assert "pas encore vérifié" in reasons[others[2].pk]
    assert list(outcome.batch.claims.all()) == [payable]
    for claim in others:
        assert Claim.objects.get(pk=claim.pk).payment_batch is None


def test_a_manager_does_not_put_their_own_claim_into_payment(manager):
    colleague = factories.ManagerFactory()
    checked_financial_file(manager, colleague)
    own = claim_in(S.APPROVED, manager, colleague)
    with pytest.raises(ValidationError, match="propre état de frais"):
        services.payment_batch_create(claim_ids=[own.pk], by=manager)
    assert not PaymentBatch.objects.exists()
    assert batch_of([own], colleague).claims.get() == own


def test_a_batch_of_nothing_payable_is_not_created(participant, manager):
    claim = claim_in(S.SUBMITTED, participant, manager)
    with pytest.raises(ValidationError) as refused:
        services.payment_batch_create(claim_ids=[claim.pk], by=manager)
    assert f"N° {claim.pk}" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        services.payment_batch_create(claim_ids=[], by=manager)
    assert not PaymentBatch.objects.exists()


def test_claims_validated_up_to_a_date_of_a_session(approved, manager, participant):
    other_session = claim_in(S.APPROVED, participant, manager)
    session = approved[0].assignment.mission.exam.session
    today = timezone.localdate()
    assert services.claims_payable_until(until=today - timedelta(days=1)) == []
    assert sorted(
        services.claims_payable_until(until=today, session_id=session.pk)
    ) == sorted(c.pk for c in approved if c.assignment.mission.exam.session == session)
    assert other_session.pk in services.claims_payable_until(until=today)


# -------------------------------------------------------------- the file


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8")), delimiter=";"))


def test_the_file_has_the_documented_columns_and_one_row_per_claim(
    approved, manager, participant
):
    batch = batch_of(approved, manager)
    filename, content = services.payment_batch_export(batch=batch, by=manager)
    assert filename == f"mise-en-paiement-{batch.reference}.csv"
    rows = read_csv(content)
    assert rows[0] == [
        "lot",
        "etat_de_frais",
        "numero_intervenant",
        "nom",
        "prenom",
        "titulaire_compte",
        "iban",
        "bic",
        "montant_remuneration",
        "montant_deplacement",
        "devise",
        "mission",
        "date_debut",
        "date_fin",
    ]
    assert len(rows) == 3
    claim = approved[0]
    mission = claim.assignment.mission
    row = next(r for r in rows[1:] if r[1] == str(claim.pk))
    assert row == [
        batch.reference,
        str(claim.pk),
        participant.username,
        "Durand",
        "Paul",
        "Paul Durand",
        IBAN,
        "AGRIFRPP",
        "200.00",
        "0.00",
        "EUR",
        f"Correction — {mission.exam.name} — {mission.epreuve.name}",
        timezone.localdate(mission.starts_at).isoformat(),
        timezone.localdate(mission.ends_at).isoformat(),
    ]


def test_an_external_participant_is_known_by_their_number_and_formulas_are_defused(
    external_participant, manager
):
    external_participant.last_name = "=HYPERLINK(1)"
    external_participant.save()
    checked_financial_file(external_participant, manager)
    batch = batch_of([claim_in(S.APPROVED, external_participant, manager)], manager)
    row = read_csv(services.payment_batch_export(batch=batch, by=manager)[1])[1]
    assert row[2] == external_participant.participant_number
    assert row[3] == "'=HYPERLINK(1)"


def test_amounts_in_cfp_francs_have_no_decimals():
    assert exports._amount(D("1194"), "XPF") == "1194"
    assert exports._amount(D("12.5"), "EUR") == "12.50"


def test_the_first_export_closes_the_batch_and_every_download_is_recorded(
    approved, manager
):
    batch = batch_of(approved, manager)
    services.payment_batch_export(batch=batch, by=manager)
    services.payment_batch_export(batch=batch, by=manager)
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.EXPORTED and batch.exported_at
    actions = list(
        AuditEvent.objects.for_object(batch)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "claims.payment_batch.created",
        "claims.payment_batch.exported",
        "claims.payment_batch.file_downloaded",
        "claims.payment_batch.file_downloaded",
    ]
    download = AuditEvent.objects.for_object(batch).latest("pk")
    assert (download.actor, download.data) == (manager, {"rows": 2, "holds": "iban"})
    # The log says that IBANs left, never which ones.
    assert IBAN not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_the_recap_pdf_holds_the_totals(approved, manager):
    batch = batch_of(approved, manager)
    filename, content = exports.batch_recap_pdf(batch)
    text = pdf_text(content)
    assert filename.endswith(".pdf")
    assert f"Mise en paiement n° {batch.reference}" in text
    assert "Total du lot" in text and "400,00" in text
    assert IBAN not in text


# ----------------------------------------------------- cancel and pay


def test_a_batch_not_exported_is_cancelled_and_its_claims_are_free_again(
    approved, manager
):
    batch = batch_of(approved, manager)
    services.payment_batch_cancel(batch=batch, by=manager, reason="Mauvaise date")
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.CANCELLED and batch.cancelled_at
    for claim in approved:
        claim.refresh_from_db()
        assert (claim.status, claim.payment_batch) == (S.APPROVED, None)
    assert batch_of(approved, manager).claims.count() == 2
    with pytest.raises(ValidationError, match="annulé"):
        services.payment_batch_export(batch=batch, by=manager)


def test_an_exported_batch_cannot_be_cancelled_and_cancelling_needs_a_reason(
    approved, manager
):
    batch = batch_of(approved, manager)
    with pytest.raises(ValidationError, match="motif"):
        services.payment_batch_cancel(batch=batch, by=manager, reason="")
    services.payment_batch_export(batch=batch, by=manager)
    with pytest.raises(ValidationError, match="pas encore exporté"):
        services.payment_batch_cancel(batch=batch, by=manager, reason="Trop tard")
    assert Claim.objects.filter(payment_batch=batch).count() == 2


def test_an_exported_batch_is_marked_paid_and_the_participants_are_told(
    approved, manager, mailoutbox, django_capture_on_commit_callbacks
):
    batch = batch_of(approved, manager)
    with pytest.raises(ValidationError, match="exporté"):
        services.payment_batch_mark_paid(batch=batch, by=manager)
    services.payment_batch_export(batch=batch, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_batch_mark_paid(batch=batch, by=manager)
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.PAID and batch.paid_at
    assert set(
        Claim.objects.filter(payment_batch=batch).values_list("status", flat=True)
    ) == {S.PAID}
    assert mailoutbox[-1].subject == "Vos états de frais sont payés"
    with pytest.raises(ValidationError):
        services.payment_batch_mark_paid(batch=batch, by=manager)


def test_bank_details_changed_after_the_batch_are_never_exported_unchecked(
    approved, manager, participant
):
    from accounts.services import financial_file_save

    batch = batch_of(approved, manager)
    financial_file_save(
        user=participant,
        by=participant,
        holder="Paul Durand",
        iban="FR7630004000031234567890143",
        bic="BNPAFRPP",
    )
    with pytest.raises(ValidationError) as refused:
        services.payment_batch_export(batch=batch, by=manager)
    text = " ".join(refused.value.messages)
    assert "ont changé depuis la constitution du lot" in text
    assert f"N° {approved[0].pk}" in text
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.OPEN
    assert not AuditEvent.objects.filter(
        action="claims.payment_batch.file_downloaded"
    ).exists()
    checked_financial_file(participant, manager)
    rows = read_csv(services.payment_batch_export(batch=batch, by=manager)[1])
    assert rows[1][6] == "FR7630004000031234567890143"


def test_a_cancelled_batch_tells_its_participants_but_keeps_its_reason_inside(
    approved,
    manager,
    participant,
    client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    batch = batch_of(approved, manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_batch_cancel(
            batch=batch, by=manager, reason="IBAN de M. Untel erroné"
        )
    message = mailoutbox[-1]
    assert message.subject == "La mise en paiement de vos états de frais est reportée"
    assert "IBAN de M. Untel" not in message.body
    client.force_login(participant)
    page = client.get(f"/mes-etats-de-frais/{approved[0].pk}/").content.decode()
    assert "de la mise en paiement (lot n°" in page
    assert "IBAN de M. Untel" not in page
    assert AuditEvent.objects.for_object(batch).latest("pk").data["reason"] == (
        "IBAN de M. Untel erroné"
    )


def test_the_kept_recap_is_french_whoever_triggers_it(approved, manager):
    batch = batch_of(approved, manager)
    type(batch).objects.filter(pk=batch.pk).update(recap="")
    with translation.override("en"):
        exports.batch_recap_store(batch.pk)
    batch.refresh_from_db()
    with batch.recap.open("rb") as stored:
        assert "Total du lot" in pdf_text(stored.read())


def test_payment_news_are_rendered_by_the_worker_not_in_the_request(
    approved, manager, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from django_tasks_db.models import DBTaskResult

    from tests.platform_helpers import DATABASE_TASKS, run_stored_task

    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_of(approved, manager)
    # The manager's request queued the work and sent nothing.
    assert mailoutbox == []
    news = DBTaskResult.objects.get(task_path="claims.tasks.send_payment_news")
    with django_capture_on_commit_callbacks(execute=True):
        run_stored_task(news)
    sending = DBTaskResult.objects.get(task_path="imagin.tasks.send_email")
    run_stored_task(sending)
    assert [message.subject for message in mailoutbox] == [
        "Vos états de frais sont mis en paiement"
    ]
    assert batch.reference in mailoutbox[0].body
