"""The interface in English: a complete catalogue, the browser's language, the
visible switch, and e-mails and documents in the recipient's language."""

from __future__ import annotations

import re
import shutil
from io import BytesIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from claims import services
from claims.models import ClaimStatus
from claims.recap import claim_recap_pdf
from missions.convocations import Convocation, convocations_pdf
from tests import factories
from tests.claims.review_helpers import claim_in

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
# What `make messages` reads (its -i options leave out the rest).
SOURCES = ("accounts", "claims", "imagin", "missions", "templates")


def _ids(entries) -> set[tuple[str, str]]:
    return {(entry.msgctxt or "", entry.msgid) for entry in entries}


def test_every_string_of_the_catalogue_has_an_english_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)
    ]
    assert not missing, f"{len(missing)} strings without a translation: {missing}"
    assert not catalogue.obsolete_entries()


def test_the_catalogue_holds_every_translatable_string_of_the_code(
    tmp_path, monkeypatch, settings
):
    """Extract the strings afresh from a copy of the sources: a string marked
    for translation but missing from locale/en (run `make messages`) fails."""
    for name in SOURCES:
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    (tmp_path / "locale").mkdir()
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["en"], verbosity=0)
    extracted = polib.pofile(str(tmp_path / "locale/en/LC_MESSAGES/django.po"))
    committed = polib.pofile(str(CATALOGUE))
    new = _ids(extracted) - _ids(committed)
    assert not new, f"Strings missing from the catalogue (run `make messages`): {new}"
    stale = _ids(committed.translated_entries()) - _ids(extracted)
    assert not stale, f"Strings no longer in the code: {stale}"


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|\{\{[^}]*\}\}|</?(?:a|strong)\b", text))


def test_the_placeholders_of_each_translation_match():
    catalogue = polib.pofile(str(CATALOGUE))
    for entry in catalogue:
        if not entry.msgid_plural:
            expected = _placeholders(entry.msgid)
            assert _placeholders(entry.msgstr) == expected, entry.msgid
            continue
        expected = _placeholders(entry.msgid_plural)
        for index, translation_ in entry.msgstr_plural.items():
            found = _placeholders(translation_)
            # A singular may say "one" rather than print the count; nothing else
            # may be left out.
            assert found == expected or (index == 0 and found < expected), (
                entry.msgid,
                translation_,
            )


# ------------------------------------------------------------------ language


def test_french_is_the_default(client):
    response = client.get(reverse("home"))
    assert '<html lang="fr"' in response.content.decode()
    assert "Se connecter" in response.content.decode()


def test_the_page_follows_the_browser(client):
    response = client.get(reverse("home"), headers={"accept-language": "en-GB,en"})
    body = response.content.decode()
    assert '<html lang="en"' in body
    assert "Sign in" in body
    assert "Se connecter" not in body


def test_a_language_the_site_does_not_have_falls_back_to_french(client):
    response = client.get(reverse("home"), headers={"accept-language": "de-DE"})
    assert '<html lang="fr"' in response.content.decode()


def test_the_switch_is_visible_and_remembered(client, participant):
    client.force_login(participant)
    body = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("accounts:language")}"' in body
    assert 'value="en" lang="en"' in body
    response = client.post(
        reverse("accounts:language"),
        {"language": "en", "next": reverse("claims:list")},
        headers={"accept-language": "fr"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:list")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    participant.refresh_from_db()
    assert participant.language == "en"
    # The choice beats the browser's language.
    body = client.get(reverse("home"), headers={"accept-language": "fr"}).content
    assert '<html lang="en"' in body.decode()


def test_the_switch_refuses_get_an_unknown_language_and_foreign_addresses(
    client, participant
):
    client.force_login(participant)
    assert client.get(reverse("accounts:language")).status_code == 405
    response = client.post(
        reverse("accounts:language"),
        {"language": "xx", "next": "https://ailleurs.example/"},
    )
    assert response.status_code == 302
    assert "ailleurs" not in response["Location"]
    participant.refresh_from_db()
    assert participant.language == "fr"


def test_the_switch_works_for_visitors(client):
    response = client.post(reverse("accounts:language"), {"language": "en"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_signing_in_remembers_the_language_of_the_page(client, participant):
    participant.set_password("Une-phrase-bien-longue-2027")
    participant.save()
    client.post(
        reverse("account_login"),
        {"login": participant.username, "password": "Une-phrase-bien-longue-2027"},
        headers={"accept-language": "en"},
    )
    participant.refresh_from_db()
    assert participant.language == "en"


def test_the_back_office_has_the_switch_and_reads_in_english(client, manager):
    client.force_login(manager)
    body = client.get(
        reverse("admin:index"), headers={"accept-language": "en"}
    ).content.decode()
    assert f'action="{reverse("accounts:language")}"' in body
    assert "Help on this page" in body


# ------------------------------------------------------------------ e-mails, PDFs


@pytest.mark.parametrize(("language", "word"), [("fr", "validé"), ("en", "validated")])
def test_a_decision_is_e_mailed_in_the_participants_language(
    participant, manager, django_capture_on_commit_callbacks, language, word
):
    participant.language = language
    participant.save()
    claim = claim_in(ClaimStatus.SUBMITTED, participant, manager)
    mail.outbox.clear()
    # The manager works in French.
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        services.claim_approve(claim=claim, by=manager)
    assert len(mail.outbox) == 1
    assert word in mail.outbox[0].subject.lower(), mail.outbox[0].subject
    # Every e-mail to a participant points to the guide.
    assert f"{settings.SITE_URL}/aide/" in mail.outbox[0].body


def test_the_recap_pdf_is_in_the_readers_language(participant, manager):
    claim = claim_in(ClaimStatus.SUBMITTED, participant, manager)

    def text(language: str) -> str:
        with translation.override(language):
            _, content = claim_recap_pdf(claim)
        pages = PdfReader(BytesIO(content)).pages
        return " ".join(page.extract_text() for page in pages)

    english, french = text("en"), text("fr")
    assert "Mission expense claim" in english and "printed on" in english
    assert "État de frais" in french or "état de frais" in french


def test_each_convocation_is_printed_in_its_participants_language(db):
    english = factories.UserFactory(language="en")
    french = factories.UserFactory(language="fr")
    convocations = [
        Convocation(person, [factories.AssignmentFactory(participant=person)])
        for person in (english, french)
    ]
    with translation.override("fr"):  # whoever prints them
        content = convocations_pdf(convocations)
    pages = [page.extract_text() for page in PdfReader(BytesIO(content)).pages]
    assert "You are called to attend" in pages[0]
    assert "Vous êtes convoqué" in pages[-1]


def test_the_switch_takes_the_sites_languages_in_any_spelling(client, participant):
    client.force_login(participant)
    response = client.post(
        reverse("accounts:language"), {"language": "EN-gb", "next": "/a\nb"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    participant.refresh_from_db()
    assert participant.language == "en"
    response = client.post(reverse("accounts:language"), {"language": "de"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_frozen_lines_are_the_administrations_record_in_french(participant, manager):
    from claims import amounts, selectors
    from claims.models import ClaimLine

    claim = claim_in(ClaimStatus.SUBMITTED, participant, manager)
    with translation.override("en"):  # the manager reads the back-office in English
        services.claim_approve(claim=claim, by=manager)
    frozen = list(ClaimLine.objects.filter(claim=claim).values_list("label", flat=True))
    book = selectors.rate_book(claim.currency)
    with translation.override("fr"):
        french = [
            line.label
            for line in amounts.compute(selectors.claim_input(claim), book).lines
        ]
    with translation.override("en"):
        english = [
            line.label
            for line in amounts.compute(selectors.claim_input(claim), book).lines
        ]
    assert frozen == french != english
