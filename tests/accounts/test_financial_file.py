"""The financial file: checked bank details, encrypted at rest, shown masked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import FinancialFile, FinancialFileStatus
from accounts.services import financial_file_mark_checked, financial_file_save
from imagin.audit import AuditEvent
from tests import factories

IBAN = "FR7630006000011234567890189"
PDF = b"%PDF-1.4\n%%EOF\n"


def _pdf(name="rib.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _post(client, **overrides):
    data = {
        "holder": "Paul Durand",
        "iban": "fr76 3000 6000 0112 3456 7890 189",
        "bic": "agrifrpp",
        "rib_document": _pdf(),
    }
    data.update(overrides)
    return client.post(reverse("accounts:financial_file"), data)


def test_a_participant_saves_their_bank_details(client, participant):
    client.force_login(participant)
    response = _post(client)
    assert response.status_code == 302
    file = FinancialFile.objects.get(user=participant)
    assert (file.iban, file.bic, file.status) == (IBAN, "AGRIFRPP", "to_check")
    html = client.get(reverse("accounts:financial_file")).content.decode()
    assert "FR76" in html and IBAN not in html and "3000 6000" not in html
    event = AuditEvent.objects.get(action="accounts.financial_file.created")
    assert IBAN not in str(event.data) and "iban" in event.data["fields"]


def test_the_iban_is_encrypted_in_the_database(participant):
    file = financial_file_save(
        user=participant, by=participant, holder="P D", iban=IBAN, bic="AGRIFRPP"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT iban FROM accounts_financialfile WHERE id = %s", [file.pk]
        )
        (raw,) = cursor.fetchone()
    assert IBAN not in raw and "3000600001" not in raw
    assert FinancialFile.objects.get(pk=file.pk).iban == IBAN


def test_a_wrong_iban_is_explained_and_nothing_typed_is_lost(client, participant):
    client.force_login(participant)
    response = _post(
        client, iban="FR76 3000 6000 0112 3456 7890 188", holder="Paul Durand-Martin"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "clé de contrôle" in html
    assert 'value="Paul Durand-Martin"' in html
    assert 'value="FR76 3000 6000 0112 3456 7890 188"' in html
    assert not FinancialFile.objects.exists()


def test_the_social_security_number_is_asked_only_where_required(
    client, participant, settings
):
    client.force_login(participant)
    assert (
        "id_nir" not in client.get(reverse("accounts:financial_file")).content.decode()
    )
    settings.FINANCIAL_FILE_REQUIRES_NIR = True
    response = _post(client, nir="1 85 05 78 006 084 90")
    assert "clé du numéro de sécurité sociale" in response.content.decode()
    response = _post(client, nir="1 85 05 78 006 084 91")
    assert response.status_code == 302
    assert FinancialFile.objects.get(user=participant).nir == "185057800608491"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rib.exe", b"MZ\x90\x00", "Seuls les fichiers PDF, PNG ou JPEG"),
        ("rib.pdf", b"<html>not a pdf</html>", "ne correspond pas"),
        ("rib.png", PDF, "ne correspond pas"),
    ],
)
def test_only_real_pdf_png_or_jpeg_documents_are_accepted(
    client, participant, name, content, message
):
    client.force_login(participant)
    response = _post(client, rib_document=_pdf(name, content))
    assert message in response.content.decode()
    assert not FinancialFile.objects.exists()


def test_an_oversized_document_is_refused(client, participant, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client.force_login(participant)
    response = _post(client, rib_document=_pdf(content=PDF + b"0" * 200))
    assert "trop volumineux" in response.content.decode()


def test_the_rib_is_only_ever_downloaded_by_its_owner(client, participant, outsider):
    client.force_login(participant)
    _post(client)
    response = client.get(reverse("accounts:rib_download"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    client.force_login(outsider)
    assert client.get(reverse("accounts:rib_download")).status_code == 404


def test_the_back_office_rib_link_is_for_managers_only(client, participant, manager):
    client.force_login(participant)
    _post(client)
    file = FinancialFile.objects.get(user=participant)
    url = reverse("admin:accounts_financialfile_rib", args=[file.pk])
    assert client.get(url, follow=True).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_any_change_sends_a_checked_file_back_to_be_checked(participant, manager):
    file = financial_file_save(
        user=participant, by=participant, holder="P D", iban=IBAN, bic="AGRIFRPP"
    )
    financial_file_mark_checked(file=file, by=manager)
    assert FinancialFile.objects.get(pk=file.pk).status == FinancialFileStatus.CHECKED
    financial_file_save(
        user=participant,
        by=participant,
        holder="P D",
        iban="NC4914889000011234567890115",
        bic="AGRIFRPP",
    )
    file.refresh_from_db()
    assert file.status == FinancialFileStatus.TO_CHECK
    event = AuditEvent.objects.for_object(file).first()
    assert (event.action, event.from_status, event.to_status) == (
        "accounts.financial_file.updated",
        "checked",
        "to_check",
    )
    assert event.data == {"fields": ["iban"]}


def test_nobody_checks_their_own_file(manager):
    from django.core.exceptions import PermissionDenied

    file = financial_file_save(
        user=manager, by=manager, holder="C M", iban=IBAN, bic="AGRIFRPP"
    )
    with pytest.raises(PermissionDenied):
        financial_file_mark_checked(file=file, by=manager)


def test_nobody_edits_someone_elses_file(participant, outsider):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        financial_file_save(
            user=participant, by=outsider, holder="X", iban=IBAN, bic="AGRIFRPP"
        )


def test_an_old_file_is_flagged_to_renew(client, participant, settings):
    file = financial_file_save(
        user=participant, by=participant, holder="P D", iban=IBAN, bic="AGRIFRPP"
    )
    now = timezone.now()
    assert not file.is_to_renew(now)
    assert file.is_to_renew(now + timedelta(days=366 * 2))
    FinancialFile.objects.filter(pk=file.pk).update(
        updated_at=now - timedelta(days=800)
    )
    client.force_login(participant)
    assert (
        "Dossier à renouveler"
        in client.get(reverse("accounts:financial_file")).content.decode()
    )


@pytest.mark.parametrize(
    "url_name", ["accounts:profile", "accounts:financial_file", "accounts:rib_download"]
)
def test_account_pages_need_a_signed_in_person(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_participant_corrects_their_contact_details(client, participant):
    commune = factories.CommuneFactory(name="Évreux")
    client.force_login(participant)
    response = client.post(
        reverse("accounts:profile"),
        {
            "email": participant.email.upper(),  # the same address, as typed
            "phone": "06 12 34 56 78",
            "address": "1 rue Neuve",
            "commune": commune.pk,
            "establishment": "",
        },
    )
    assert response.status_code == 302
    old_email = participant.email
    participant.refresh_from_db()
    # A new address is asked for, then confirmed: tests/accounts/test_email_change.py
    assert (participant.email, participant.commune) == (old_email, commune)


def test_an_address_already_used_is_refused_and_the_form_kept(
    client, participant, outsider
):
    client.force_login(participant)
    response = client.post(
        reverse("accounts:profile"),
        {"email": outsider.email, "phone": "06 12 34 56 78", "address": "1 rue Neuve"},
    )
    html = response.content.decode()
    assert "déjà celle d" in html
    assert 'value="06 12 34 56 78"' in html
