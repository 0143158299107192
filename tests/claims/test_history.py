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
    # The same lines in the sentences of the back-office's log.
    number = convoked_claim.pk
    assert [entry.sentence for entry in history.claim_history(convoked_claim)] == [
        f"Claire Martin a ouvert l'état de frais n° {number} de Paul Durand",
        "Paul Durand a enregistré sa saisie 3 fois",
        f"Paul Durand a validé son état de frais n° {number} (—)",
        f"Claire Martin a renvoyé l'état de frais n° {number} pour correction",
        f"Paul Durand a enregistré sa saisie de l'état de frais n° {number}",
        f"Claire Martin a enregistré sa saisie de l'état de frais n° {number}",
        "Paul Durand a enregistré sa saisie 2 fois",
    ]
    whos = [entry.who for entry in history.claim_history(convoked_claim)][-3:]
    teacher = participant.get_full_name()
    assert whos == [teacher, manager.get_full_name(), teacher]


def test_the_history_reads_in_english_too(convoked_claim, participant):
    from django.utils import translation

    for _ in range(2):
        audit_log(actor=participant, action="claims.claim.saved", target=convoked_claim)
    with translation.override("en"):
        entries = history.claim_history(convoked_claim)
    assert entries[-1].what == "Entry saved 2 times"
    # The lead writes the English sentences; until then none shows a code.
    assert entries[-1].sentence.startswith("Paul Durand ")
    assert not any("claims.claim" in entry.sentence for entry in entries)


def test_the_division_s_note_stays_out_of_the_participant_s_history(
    convoked_claim, manager
):
    audit_log(
        actor=manager,
        action="claims.claim.closed",
        target=convoked_claim,
        data={"note": "Vu avec le chef de centre."},
    )
    (closed,) = history.claim_history(convoked_claim)[-1:]
    assert "Vu avec" not in closed.what + closed.why + closed.sentence
    (closed,) = history.claim_history(convoked_claim, for_staff=True)[-1:]
    assert closed.why == "Vu avec le chef de centre."
    assert "Vu avec" not in closed.sentence  # shown once, beside the sentence
