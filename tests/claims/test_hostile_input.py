"""No input a browser can send breaks the participant's claim: never a 5xx,
what was typed shown again with a message next to its field, the draft
keeping only the step's own fields, storable and bounded; a claim whose
stored draft is bad still opens (issue 15, points 1 to 3). The travel step:
`test_hostile_travel.py`.

Run them on PostgreSQL too: it refuses NUL bytes that SQLite keeps.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.forms import ServiceForm, TripForm
from claims.models import Claim, ClaimStatus
from claims.review_forms import AmountForm
from claims.steps import step_draft
from claims.steps.base import DRAFT_VALUE_LIMIT
from tests.claims.entry_helpers import (
    PDF,
    page_text,
    post_step,
    step_url,
)
from tests.claims.hostile_claims import (
    SERVICE_FIELDS,
    draft_is_storable_and_bounded,
    hostile,
    hourly_claim,
    rolled_back,
    the_claim_still_opens,
)
from tests.hostile import (
    assert_no_server_error,
    assert_shown_again,
    hostile_number_text,
    hostile_text,
    junk_fields,
)

# ------------------------------------------------------ the decimal field


DECIMAL_FIELDS = {
    "hours": ServiceForm.base_fields["hours_declared"],
    "fare": TripForm.base_fields["fare"],
    "amount": AmountForm.base_fields["amount"],
}


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(hostile_number_text(), hostile_text()),
    which=st.sampled_from(sorted(DECIMAL_FIELDS)),
)
def test_the_decimal_field_gives_a_number_or_a_message_never_an_error(text, which):
    field = DECIMAL_FIELDS[which]
    try:
        value = field.clean(text)
    except ValidationError as refused:
        assert all(message.strip() for message in refused.messages)
        assert len(refused.messages) == 1  # one message next to the field
    else:
        if value is not None:
            assert value.is_finite() and value >= 0
            assert value.as_tuple().exponent >= -2


# ------------------------------------------------------ the service step


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3,333333", "se déclarent au quart d'heure"),
        ("0,0000001", "se déclarent au quart d'heure"),
        ("3,3", "se déclarent au quart d'heure"),
        ("99999.75", "200 heures au plus"),
        ("1E-7", "Saisissez un nombre d'heures"),
        ("1e999999", "Saisissez un nombre d'heures"),
        ("9" * 60, "Saisissez un nombre d'heures"),
        ("NaN", "Saisissez un nombre d'heures"),
        ("-Infinity", "Saisissez un nombre d'heures"),
        ("3,5,5", "Saisissez un nombre d'heures"),
        ("3\x00", "Saisissez un nombre d'heures"),
        ("1" * 1_000_000, "Saisissez un nombre d'heures"),
        ("-1", "ne peut pas être négatif"),
    ],
)
def test_odd_hours_are_refused_next_to_the_field_and_the_claim_still_opens(
    signed_in, hourly, typed, message
):
    response = post_step(
        signed_in, hourly, "service", "enregistrer", hours_declared=typed
    )
    assert response.status_code == 400
    assert message in page_text(response)
    assert_shown_again(response, typed)
    hourly.refresh_from_db()
    assert hourly.hours_declared is None
    kept = printable_start(typed)
    assert hourly.draft["service"]["hours_declared"] == [kept]
    # Coming back shows the value kept and the same message.
    again = signed_in.get(step_url(hourly, "service"))
    assert again.status_code == 200 and message in page_text(again)
    the_claim_still_opens(signed_in, hourly)


def printable_start(typed: str) -> str:
    return typed[:DRAFT_VALUE_LIMIT].replace("\x00", "\ufffd")


@pytest.mark.parametrize(
    ("typed", "hours"),
    [("١٢", "12"), ("3,25", "3.25"), (" 4.5 ", "4.5"), ("1\u202f2,75", "12.75")],
)
def test_hours_typed_with_other_digits_or_spaces_are_read_as_typed(
    signed_in, hourly, typed, hours
):
    post_step(signed_in, hourly, "service", "enregistrer", hours_declared=typed)
    hourly.refresh_from_db()
    assert hourly.hours_declared == Decimal(hours)
    assert "service" not in hourly.draft


def test_a_nul_byte_in_the_schedule_is_refused_and_the_rest_is_saved(signed_in, hourly):
    response = post_step(
        signed_in,
        hourly,
        "service",
        "enregistrer",
        hours_declared="3,5",
        candidates_declared="8",
        schedule="8 h\x00 – 12 h",
    )
    assert response.status_code == 400
    assert "caractère invisible" in page_text(response)
    hourly.refresh_from_db()
    assert (hourly.hours_declared, hourly.candidates_declared) == (Decimal("3.5"), 8)
    assert hourly.schedule == ""
    assert hourly.draft["service"]["schedule"] == ["8 h\ufffd – 12 h"]
    the_claim_still_opens(signed_in, hourly)
    # Coming back, the mark left for the character is shown as to correct.
    page = page_text(signed_in.get(step_url(hourly, "service")))
    assert "8 h\ufffd – 12 h" in page and "remplacé par" in page


def test_the_draft_keeps_only_the_steps_own_fields(signed_in, hourly):
    junk = {f"champ{index}": "x" * 5000 for index in range(990)}
    response = post_step(
        signed_in, hourly, "service", "enregistrer", hours_declared="3,3", **junk
    )
    assert response.status_code == 400
    hourly.refresh_from_db()
    assert hourly.draft == {"service": {"hours_declared": ["3,3"]}}


def test_a_duplicated_field_counts_once_its_last_value(signed_in, hourly):
    post_step(
        signed_in, hourly, "service", "enregistrer", hours_declared=["2", "x", "3,5"]
    )
    hourly.refresh_from_db()
    assert hourly.hours_declared == Decimal("3.5") and hourly.draft == {}


@hostile
@given(
    hours=hostile_number_text(),
    candidates=st.one_of(hostile_number_text(), hostile_text()),
    schedule=hostile_text(),
    junk=junk_fields(),
    action=st.sampled_from(["enregistrer", "continuer", "retour", "\x00", ""]),
    duplicated=st.booleans(),
    stale=st.booleans(),
)
def test_no_service_entry_breaks_the_claim_or_is_lost(
    signed_in, hourly, hours, candidates, schedule, junk, action, duplicated, stale
):
    typed = {
        "hours_declared": hours,
        "candidates_declared": candidates,
        "schedule": schedule,
    }
    # A stale version: the claim was saved elsewhere since the form opened.
    version = hourly.version - 1 if stale else hourly.version
    payload = {**junk, **typed, "version": version, "action": action}
    if duplicated:
        payload["hours_declared"] = ["1", hours]
    with rolled_back():
        response = signed_in.post(step_url(hourly, "service"), payload)
        assert_no_server_error(response)
        claim = Claim.objects.get(pk=hourly.pk)
        if stale:
            assert response.status_code == 409 and claim.version == hourly.version
            for value in typed.values():
                assert_shown_again(response, value)
        draft_is_storable_and_bounded(claim, "service", SERVICE_FIELDS)
        if response.status_code == 400:
            for value in typed.values():
                assert_shown_again(response, value)
        if step_draft(claim, "service") is not None:
            assert response.status_code in (302, 400)
            page = signed_in.get(step_url(claim, "service"))
            assert page.status_code == 200
            for (kept,) in claim.draft["service"].values():
                assert_shown_again(page, kept)
        assert_no_server_error(
            signed_in.get(reverse("claims:detail", args=[claim.pk]), follow=True)
        )


# ------------------------------------------------ a draft stored badly


@pytest.mark.parametrize(
    "draft",
    [
        {"service": {"hours_declared": ["3,333333"]}},
        {"service": {"hours_declared": ["1e999999"], "schedule": ["a\ufffdb"]}},
        {"service": {"hours_declared": "99999.75"}},
        {"service": {"hours_declared": [{"a": 1}], "candidates_declared": [[1, 2]]}},
        {"service": {"hours_declared": [], "junk": ["x"]}},
        {"service": ["3,5"]},
        {"service": "3,5"},
        {"service": None, "deplacement": 12},
        {
            "deplacement": {
                "trajets-TOTAL_FORMS": ["-5"],
                "trajets-INITIAL_FORMS": ["abc"],
                "trajets-0-origin": ["Rouen"],
                "trajets-0-fare": ["NaN"],
                "trajets-0-id": ["999999"],
            }
        },
        {"deplacement": {"trajets-TOTAL_FORMS": ["1000000"]}},
        ["service"],
        "service",
        7,
    ],
)
def test_a_claim_whose_stored_draft_is_bad_still_opens(
    signed_in, participant, manager, settings, draft
):
    settings.TRAVEL_ENABLED = True
    claim = hourly_claim(participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    post_step(signed_in, claim, "mission", performed="yes")
    Claim.objects.filter(pk=claim.pk).update(
        draft=draft, steps_done=["mission", "service", "deplacement"]
    )
    for url in (
        step_url(claim, "service"),
        step_url(claim, "deplacement"),
        step_url(claim, "recapitulatif"),
        reverse("claims:detail", args=[claim.pk]),
        reverse("claims:list"),
        reverse("claims:pdf", args=[claim.pk]),
    ):
        response = signed_in.get(url, follow=True)
        assert response.status_code == 200, url
    # Saving the step again replaces the bad draft.
    response = post_step(
        signed_in, claim, "service", "enregistrer", hours_declared="3", schedule=""
    )
    assert_no_server_error(response)
    claim.refresh_from_db()
    assert step_draft(claim, "service") is None


def test_a_bad_stored_hours_value_is_shown_with_its_message(signed_in, hourly):
    Claim.objects.filter(pk=hourly.pk).update(
        draft={"service": {"hours_declared": ["3,333333"]}}
    )
    page = signed_in.get(step_url(hourly, "service"))
    assert page.status_code == 200
    assert 'value="3,333333"' in page.content.decode()
    assert "se déclarent au quart d'heure" in page_text(page)


# ---------------------------------------- the other participant forms


@hostile
@given(comment=hostile_text(), junk=junk_fields(), version=hostile_number_text())
def test_no_comment_breaks_the_mission_not_performed_page(
    signed_in, convoked_claim, comment, junk, version
):
    url = reverse("claims:not_performed", args=[convoked_claim.pk])
    with rolled_back():
        response = signed_in.post(url, {**junk, "comment": comment, "version": version})
        assert_no_server_error(response)
        claim = Claim.objects.get(pk=convoked_claim.pk)
        if response.status_code == 200:
            assert (claim.status, claim.version) == (ClaimStatus.DRAFT, 1)
            assert_shown_again(response, comment)
        else:
            assert claim.status == ClaimStatus.NOT_PERFORMED
            assert claim.not_performed_comment == comment.strip()


def test_a_control_character_in_the_comment_is_refused_next_to_it(
    signed_in, convoked_claim
):
    url = reverse("claims:not_performed", args=[convoked_claim.pk])
    response = signed_in.post(url, {"comment": "malade\x1b", "version": "1"})
    assert response.status_code == 200
    assert "caractère invisible" in page_text(response)
    convoked_claim.refresh_from_db()
    assert convoked_claim.status == ClaimStatus.DRAFT


@hostile
@given(version=st.one_of(hostile_number_text(), hostile_text()), junk=junk_fields())
def test_no_validation_request_breaks_the_claim(
    signed_in, convoked_claim, version, junk
):
    with rolled_back():
        response = signed_in.post(
            reverse("claims:submit", args=[convoked_claim.pk]),
            {**junk, "version": version},
        )
        assert_no_server_error(response)
        assert Claim.objects.get(pk=convoked_claim.pk).status == ClaimStatus.DRAFT


@hostile
@given(
    kind=st.one_of(st.sampled_from(["transport", "rib"]), hostile_text(60)),
    name=hostile_text(300),
    content=st.one_of(st.just(PDF), st.binary(max_size=2000)),
    junk=junk_fields(),
)
def test_no_document_upload_breaks_the_claim(
    signed_in, submitted_claim, kind, name, content, junk
):
    claim = submitted_claim
    with rolled_back():
        # A name without a file name is dropped by Django's parser already.
        usable = os.path.basename(name) not in {"", ".", ".."}
        upload = SimpleUploadedFile(name if usable else "x", content)
        response = signed_in.post(
            reverse("claims:document_add", args=[claim.pk]),
            {**junk, "kind": kind, "file": upload},
        )
        assert_no_server_error(response)
        for document in claim.documents.all():
            assert "\x00" not in document.original_name
        assert_no_server_error(signed_in.get(reverse("claims:detail", args=[claim.pk])))
