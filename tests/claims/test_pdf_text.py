"""The four PDFs as a reader reads them: the claim recap, the session recap,
the convocation and the payment batch recap, each rendered and its text
extracted. The State's header block, amounts, separators between the parts
of a line, no "Session Session", no local address, no travel where travel is
not claimed here; every document set in Marianne, two fonts embedded."""

from __future__ import annotations

import io
import os
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from claims import exports, recap, selectors, services
from claims.models import Claim, ClaimStatus, Trip
from claims.money import format_money
from imagin import pdf, pdf_worker
from missions.convocations import Convocation, convocations_pdf
from tests import factories
from tests.claims.entry_helpers import pdf_text
from tests.claims.review_helpers import checked_financial_file, claim_in

S = ClaimStatus
pytestmark = pytest.mark.django_db
STATE_HEADER = "RÉPUBLIQUE FRANÇAISE Liberté Égalité Fraternité"


def dumped(name: str, content: bytes) -> bytes:
    """The PDF, also written to $PDF_DUMP_DIR when set (to look at it)."""
    folder = os.environ.get("PDF_DUMP_DIR")
    if folder:
        with open(os.path.join(folder, name), "wb") as file:
            file.write(content)
    return content


def money(amount: Decimal) -> str:
    """An amount as the extracted text reads it (no-break spaces as spaces)."""
    return " ".join(format_money(amount, "EUR").split())


def embedded_fonts(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def assert_in_marianne(content: bytes) -> None:
    fonts = embedded_fonts(content)
    assert fonts and len(fonts) <= 2, fonts
    assert all("Marianne" in name for name in fonts), fonts


def assert_state_header(text: str, authority: str) -> None:
    assert text.startswith(f"{STATE_HEADER} {authority}"), text[:120]


@pytest.fixture
def authority(settings):
    settings.AUTHORITY_NAME = "Académie de Normandie"
    return settings.AUTHORITY_NAME


@pytest.fixture
def session():
    return factories.ExamSessionFactory(name="Session 2027")


def hours_claim_with_trip(participant, manager, session) -> Claim:
    """A submitted claim whose service reads in hours, with one trip."""
    claim = claim_in(
        S.SUBMITTED, participant, manager, exam=factories.ExamFactory(session=session)
    )
    Claim.objects.filter(pk=claim.pk).update(
        copies_declared=None, hours_declared=Decimal(6), has_travel_part=True
    )
    Trip.objects.create(
        claim=claim,
        date=date(2027, 6, 3),
        origin="Rouen",
        destination="Le Havre",
        mode="car",
        fiscal_horsepower=5,
        kilometres=180,
    )
    return claim


def test_the_session_recap_separates_a_claims_quantities(
    participant, manager, session, authority, settings
):
    settings.TRAVEL_ENABLED = True
    hours_claim_with_trip(participant, manager, session)
    claim_in(
        S.SUBMITTED, participant, manager, exam=factories.ExamFactory(session=session)
    )
    rows = selectors.claims_for_participant(participant, session.pk)
    with translation.override("fr"):
        _name, content = recap.session_recap_pdf(participant, session, rows)
    text = pdf_text(dumped("recap-session.pdf", content))
    assert_state_header(text, authority)
    assert "Heures : 6 ; 1 trajet" in text
    assert "Copies corrigées : 40" in text
    total = sum((row.amounts.total for row in rows), Decimal(0))
    assert f"Total des missions : {money(total)}" in text
    assert "Session 2027 — édité le" in text and "Session Session" not in text
    assert_in_marianne(content)


def test_the_claim_recap_shows_the_mission_days_and_its_amount(
    participant, manager, session, authority
):
    claim = claim_in(
        S.SUBMITTED, participant, manager, exam=factories.ExamFactory(session=session)
    )
    with translation.override("fr"):
        _name, content = recap.claim_recap_pdf(claim)
    text = pdf_text(dumped("recap-claim.pdf", content))
    assert_state_header(text, authority)
    assert f"État de frais mission n° {claim.pk}" in text
    assert "Copies corrigées : 40." in text
    amounts = selectors.claim_amounts(claim)
    assert f"Montant de la mission (estimation) {money(amounts.total)}" in text
    assert_in_marianne(content)


@pytest.fixture
def rouen_participant():
    rouen = factories.CommuneFactory(name="Rouen", postal_code="76000")
    return factories.UserFactory(
        first_name="Jeanne",
        last_name="Petit",
        address="8 rue des Carmes, 76000 Rouen",
        commune=rouen,
        language="fr",
    )


def rouen_convocation(person, session) -> Convocation:
    rouen = person.commune
    mission = factories.MissionFactory(
        exam=factories.ExamFactory(session=session),
        centre=factories.CentreFactory(
            name="Lycée Corneille",
            address="4 rue du Maulévrier, 76000 Rouen",
            commune=rouen,
        ),
    )
    return Convocation(
        person, [factories.AssignmentFactory(participant=person, mission=mission)]
    )


def test_the_convocation_reads_cleanly(rouen_participant, session, authority, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"  # the development default
    convocation = rouen_convocation(rouen_participant, session)
    with translation.override("fr"):
        content = dumped("convocation.pdf", convocations_pdf([convocation]))
    text = pdf_text(content)
    assert_state_header(text, authority)
    assert "pour la mission suivante (Session 2027)." in text
    assert "Session Session" not in text and "session Session" not in text
    # E-mailed: addressed by name, the postal address is not printed.
    assert "Jeanne Petit Convocation" in text and "rue des Carmes" not in text
    # The centre's address ends with its commune: it is not written again.
    assert "4 rue du Maulévrier, 76000 Rouen" in text and "Rouen, Rouen" not in text
    # No address only the development machine reaches.
    assert "127.0.0.1" not in text and "localhost" not in text
    assert "menu « Saisie états de frais mission »." in text
    assert_in_marianne(content)


def test_the_convocation_gives_the_sites_address_and_a_commune_apart(session, settings):
    settings.SITE_URL = "https://imagin.ac-normandie.fr"
    person = factories.UserFactory(
        address="8 rue des Carmes",
        commune=factories.CommuneFactory(name="Rouen", postal_code="76000"),
        email="",  # posted: the address is printed for the envelope's window
    )
    convocation = Convocation(person, [factories.AssignmentFactory(participant=person)])
    with translation.override("fr"):
        text = pdf_text(convocations_pdf([convocation]))
    assert "8 rue des Carmes 76000 ROUEN" in text
    assert "sur https://imagin.ac-normandie.fr." in text


@pytest.fixture
def batch(participant, manager):
    checked_financial_file(participant, manager)
    claims = [claim_in(S.APPROVED, participant, manager) for _ in range(2)]
    return services.payment_batch_create(
        claim_ids=[c.pk for c in claims], by=manager
    ).batch


@pytest.mark.parametrize("travel", [True, False])
def test_the_batch_recap_has_a_travel_column_where_travel_is_claimed(
    batch, authority, settings, travel
):
    settings.TRAVEL_ENABLED = travel
    _name, content = exports.batch_recap_pdf(batch)
    text = pdf_text(dumped(f"batch-{travel}.pdf", content))
    assert_state_header(text, authority)
    assert f"Mise en paiement n° {batch.reference}" in text
    assert "Total du lot 2" in text and "400,00" in text
    assert ("Déplacements" in text) is travel
    assert_in_marianne(content)


@pytest.mark.parametrize("travel", [True, False])
def test_the_batch_pages_have_a_travel_column_where_travel_is_claimed(
    client, batch, settings, travel
):
    settings.TRAVEL_ENABLED = travel
    client.force_login(factories.ManagerFactory())
    for url in (
        reverse("admin:claims_paymentbatch_changelist"),
        reverse("admin:claims_paymentbatch_change", args=[batch.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert ("Déplacements" in response.content.decode()) is travel, url


def test_documents_read_the_marianne_files_and_nothing_else(settings):
    """The fetcher of every document hands over the two Marianne files and
    refuses any other file or URL (a value typed by a user, an image)."""
    fetcher = pdf_worker.FontsOnly()
    for url, path in pdf_worker.font_files().items():
        assert fetcher.fetch(url).read() == path.read_bytes()
    folder = next(iter(pdf_worker.font_files().values())).parent
    for url in (
        (folder / "Marianne-Light.woff2").as_uri(),
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
    ):
        with pytest.raises(pdf_worker.ExternalResourceRefused):
            fetcher.fetch(url)
    settings.AUTHORITY_NAME = '<img src="http://exemple.invalid/x.png">'
    content = pdf.render_pdfs("imagin/bloc_marque_pdf.html", [{}])[0]
    assert '<img src="http://exemple.invalid/x.png">' in pdf_text(content)
