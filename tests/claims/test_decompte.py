"""Issue 20, the décompte: each line's computation in words on the claim page,
in the claim's recap PDF and in the validation e-mail, and the quantities a
manager corrected, declared beside validated, with the manager's reason."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from claims import recap, selectors, services
from claims.models import ClaimStatus
from claims.money import format_money, format_quantity
from tests import factories
from tests.claims.entry_helpers import pdf_text
from tests.claims.review_helpers import claim_in

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")
REASON = "Deux copies blanches, non payées"


def spaced(text: str) -> str:
    """Text as the PDF's extracted text reads it (no-break spaces as spaces)."""
    return " ".join(text.split())


def explained(line, currency: str = "EUR") -> str:
    """The line's computation in words: its `explanation` once lines carry
    one, else quantity × rate = amount, as the templates fall back to."""
    return getattr(line, "explanation", "") or (
        f"{format_quantity(line.quantity)} × {format_money(line.unit_rate, currency)}"
        f" = {format_money(line.amount, currency)}"
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


@pytest.fixture
def corrected(participant, manager):
    """A submitted claim of 40 copies, 38 kept by the manager, with a reason."""
    claim = claim_in(S.SUBMITTED, participant, manager)
    services.claim_correct(
        claim=claim, by=manager, quantities={"copies_validated": 38}, reason=REASON
    )
    return claim


def test_the_claim_page_explains_each_line(client, participant, manager):
    claim = claim_in(S.SUBMITTED, participant, manager)
    client.force_login(participant)
    content = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    lines = selectors.claim_amounts(claim).lines
    assert lines
    assert "Ligne et détail du calcul" in content
    for line in lines:
        assert escape(explained(line)) in content
    # Nothing corrected: nothing said about it.
    assert "Quantités corrigées" not in content


def test_the_claim_page_shows_declared_and_validated_with_the_reason(
    client, participant, manager, corrected
):
    services.claim_approve(claim=corrected, by=manager)
    corrected.refresh_from_db()
    client.force_login(participant)
    content = client.get(reverse("claims:detail", args=[corrected.pk])).content.decode()
    assert "Quantités corrigées par la division des examens et concours" in content
    assert (
        '<th scope="row">Copies corrigées</th><td>40</td><td><strong>38</strong></td>'
        in content
    )
    assert REASON in content
    frozen = selectors.claim_amounts(corrected).lines
    assert [line.quantity for line in frozen if line.kind == "remuneration"] == [38]
    for line in frozen:
        assert escape(explained(line)) in content


def test_the_recap_pdf_explains_the_lines_and_the_correction(
    participant, manager, corrected
):
    services.claim_approve(claim=corrected, by=manager)
    corrected.refresh_from_db()
    with translation.override("fr"):
        _name, content = recap.claim_recap_pdf(corrected)
    text = pdf_text(content)
    assert text.startswith("RÉPUBLIQUE FRANÇAISE Liberté Égalité Fraternité")
    for line in selectors.claim_amounts(corrected).lines:
        assert spaced(explained(line)) in text
    assert (
        "Quantités corrigées par la division des examens et concours : "
        "Copies corrigées — déclaré : 40, retenu : 38."
    ) in text
    assert f"Motif de la correction : {REASON}" in text


def test_the_validation_email_holds_the_decompte_and_the_reason(
    participant, manager, corrected, committed, mailoutbox
):
    committed(lambda: services.claim_approve(claim=corrected, by=manager))
    message = mailoutbox[-1]
    assert message.subject == "Votre état de frais est validé"
    html = message.alternatives[0][0]
    for body, shown in ((message.body, str), (html, escape)):
        assert "Copies retenues : 38 (vous en aviez déclaré 40)." in body
        assert f"Motif de la correction : {REASON}" in body
        assert "Décompte :" in body
        for line in corrected.lines.all():
            assert shown(explained(line)) in body
        assert format_money(corrected.lines.get().amount, "EUR") in body
        assert f"/mes-etats-de-frais/{corrected.pk}/" in body


def test_an_uncorrected_validation_email_says_no_reason(
    participant, manager, committed, mailoutbox
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    committed(lambda: services.claim_approve(claim=claim, by=manager))
    body = mailoutbox[-1].body
    assert "Décompte :" in body and "Motif de la correction" not in body
    assert "Copies retenues" not in body


def test_the_recap_of_an_estimate_explains_the_lines_too(participant, manager):
    claim = claim_in(S.SUBMITTED, participant, manager, exam=factories.ExamFactory())
    with translation.override("fr"):
        _name, content = recap.claim_recap_pdf(claim)
    text = pdf_text(content)
    for line in selectors.claim_amounts(claim).lines:
        assert spaced(explained(line)) in text
    assert "Quantités corrigées" not in text
