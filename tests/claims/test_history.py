"""A claim's history in words: saves in a row by the same person are one
line, dated by the last; anything else in between starts a new line."""

from __future__ import annotations

import pytest

from claims import history
from imagin.audit import audit_log

pytestmark = pytest.mark.django_db


def test_saves_in_a_row_by_the_same_person_are_one_line(
    convoked_claim, participant, manager
):
    def log(actor, action, **data):
        audit_log(actor=actor, action=action, target=convoked_claim, data=data)

    for _ in range(3):
        log(participant, "claims.claim.saved")
    log(participant, "claims.claim.submitted")
    log(manager, "claims.claim.returned", reason="Il manque le nombre de copies.")
    log(participant, "claims.claim.saved")
    log(manager, "claims.claim.saved")  # someone else's save is its own line
    log(participant, "claims.claim.saved")
    log(participant, "claims.claim.saved")

    lines = [
        (entry.what, entry.why)
        for entry in history.claim_history(convoked_claim)
        if entry.what != "État de frais ouvert par la convocation"
    ]
    assert lines == [
        ("Saisie enregistrée 3 fois", ""),
        ("Validé par l'intervenant", ""),
        ("Renvoyé pour correction", "Il manque le nombre de copies."),
        ("Saisie enregistrée", ""),
        ("Saisie enregistrée", ""),
        ("Saisie enregistrée 2 fois", ""),
    ]
    whos = [entry.who for entry in history.claim_history(convoked_claim)][-3:]
    teacher = participant.get_full_name()
    assert whos == [teacher, manager.get_full_name(), teacher]


def test_the_history_reads_in_english_too(convoked_claim, participant):
    from django.utils import translation

    for _ in range(2):
        audit_log(actor=participant, action="claims.claim.saved", target=convoked_claim)
    with translation.override("en"):
        whats = [entry.what for entry in history.claim_history(convoked_claim)]
    assert whats[-1] == "Entry saved 2 times"
