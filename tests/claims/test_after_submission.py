"""A claim after the entry: validation, "mission non effectuée", supporting
documents, sending back, recap PDFs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims import services
from claims.models import ClaimStatus
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.entry_helpers import (
    PDF,
    complete,
    page_text,
    pdf_text,
    post_step,
    step_url,
    submitted,
)

# Most tests enter the jury work only; the travel tests turn it back on.
pytestmark = pytest.mark.usefixtures("without_travel")


def test_validating_submits_once_and_locks_the_claim(
    signed_in, participant, convoked_claim
):
    complete(signed_in, convoked_claim)
    convoked_claim.refresh_from_db()
    version = convoked_claim.version
    url = reverse("claims:submit", args=[convoked_claim.pk])
    first = signed_in.post(url, {"version": version})
    second = signed_in.post(url, {"version": version})  # double click, retry
    assert first.url == second.url == reverse("claims:detail", args=[convoked_claim.pk])
    convoked_claim.refresh_from_db()
    assert convoked_claim.status == ClaimStatus.SUBMITTED
    events = AuditEvent.objects.for_object(convoked_claim)
    assert events.filter(action="claims.claim.submitted").count() == 1
    # The participant can no longer change it.
    assert signed_in.get(step_url(convoked_claim, "service")).status_code == 302
    with pytest.raises(ValidationError):
        services.claim_step_save(
            claim=convoked_claim,
            by=participant,
            version=convoked_claim.version,
            step="service",
            values={"copies_declared": 1},
            complete=False,
        )


def test_validating_an_incomplete_claim_lists_the_problems(participant, convoked_claim):
    with pytest.raises(ValidationError) as refused:
        services.claim_submit(claim=convoked_claim, by=participant, version=1)
    assert "Indiquez si vous avez effectué la mission." in refused.value.messages
    convoked_claim.refresh_from_db()
    assert convoked_claim.status == ClaimStatus.DRAFT


def test_mission_not_performed_is_confirmed_closes_and_tells_the_managers(
    signed_in, convoked_claim, manager, mailoutbox, django_capture_on_commit_callbacks
):
    manager.email = "dec@example.invalid"
    manager.save()
    post_step(signed_in, convoked_claim, "mission", performed="no")
    url = reverse("claims:not_performed", args=[convoked_claim.pk])
    assert "Confirmez-vous" in signed_in.get(url).content.decode()
    convoked_claim.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            url, {"version": convoked_claim.version, "comment": "Malade ce jour-là"}
        )
    assert response.url == reverse("claims:detail", args=[convoked_claim.pk])
    convoked_claim.refresh_from_db()
    assert convoked_claim.status == ClaimStatus.NOT_PERFORMED
    assert convoked_claim.not_performed_comment == "Malade ce jour-là"
    assert [m.to for m in mailoutbox] == [["dec@example.invalid"]]
    assert "Malade ce jour-là" in mailoutbox[0].body
    assert signed_in.get(step_url(convoked_claim, "mission")).status_code == 302


# -------------------------------------------------- after validation


def test_after_validation_the_documents_to_send_are_listed_and_uploaded(
    signed_in, participant, convoked_claim
):
    claim = submitted(signed_in, participant, convoked_claim)
    content = page_text(signed_in.get(reverse("claims:detail", args=[claim.pk])))
    # No financial file yet: the RIB is asked for.
    assert "Relevé d'identité bancaire" in content
    upload = SimpleUploadedFile("rib.pdf", PDF, content_type="application/pdf")
    response = signed_in.post(
        reverse("claims:document_add", args=[claim.pk]),
        {"kind": "rib", "file": upload},
    )
    assert response.url == reverse("claims:detail", args=[claim.pk])
    document = claim.documents.get()
    assert document.kind == "rib" and document.content_type == "application/pdf"
    download = signed_in.get(reverse("claims:document", args=[claim.pk, document.pk]))
    assert b"".join(download.streaming_content) == PDF


def test_a_document_that_is_not_a_pdf_or_image_is_refused(
    signed_in, participant, convoked_claim
):
    claim = submitted(signed_in, participant, convoked_claim)
    upload = SimpleUploadedFile("rib.pdf", b"<html>", content_type="application/pdf")
    response = signed_in.post(
        reverse("claims:document_add", args=[claim.pk]),
        {"kind": "rib", "file": upload},
        follow=True,
    )
    assert "ne correspond pas" in response.content.decode()
    assert not claim.documents.exists()


def test_a_claim_sent_back_shows_the_reason_and_opens_again(
    signed_in,
    participant,
    manager,
    convoked_claim,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    participant.email = "paul@example.invalid"
    participant.save()
    claim = submitted(signed_in, participant, convoked_claim)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_return(claim=claim, by=manager, reason="Il manque 2 copies")
    assert mailoutbox[-1].to == ["paul@example.invalid"]
    assert "Il manque 2 copies" in mailoutbox[-1].body
    response = signed_in.get(reverse("claims:detail", args=[claim.pk]), follow=True)
    content = page_text(response)
    assert "Renvoyé pour correction" in content and "Il manque 2 copies" in content
    assert "Historique de cet état de frais" in content
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RETURNED and claim.copies_declared == 42


def test_sending_back_needs_a_reason_and_is_not_for_ones_own_claim(
    signed_in, participant, convoked_claim
):
    claim = submitted(signed_in, participant, convoked_claim)
    manager_participant = factories.ManagerFactory()
    with pytest.raises(ValidationError):
        services.claim_return(claim=claim, by=manager_participant, reason="  ")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.claim_return(claim=claim, by=participant, reason="moi")


# ------------------------------------------------------------------ PDFs


def test_the_session_recap_and_the_claim_pdf_hold_the_declarations(
    signed_in, participant, convoked_claim
):
    claim = submitted(signed_in, participant, convoked_claim)
    session = claim.assignment.mission.exam.session
    response = signed_in.get(reverse("claims:recap", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "État récapitulatif" in text
    assert "Copies corrigées : 42" in text
    assert "210,00" in text and "Validé par l'intervenant" in text
    single = pdf_text(signed_in.get(reverse("claims:pdf", args=[claim.pk])).content)
    assert f"n° {claim.pk}" in single


def test_a_recap_of_a_session_without_claims_is_not_found(signed_in):
    session = factories.ExamSessionFactory()
    assert signed_in.get(reverse("claims:recap", args=[session.pk])).status_code == 404
