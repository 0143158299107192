"""No input a browser can send breaks the participant's claim: never a 5xx,
what was typed shown again with a message next to its field, the draft
keeping only the step's own fields, storable and bounded; a claim whose
stored draft is bad still opens (issue 15, points 1 to 3).

Run them on PostgreSQL too: it refuses NUL bytes that SQLite keeps.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import flow
from claims.forms import ServiceForm, TripForm
from claims.models import Claim, ClaimStatus, Trip
from claims.review_forms import AmountForm
from claims.views.steps import DRAFT_VALUE_LIMIT
from missions.models import MissionType
from tests.claims.entry_helpers import (
    PDF,
    TRAVEL_FORMS,
    convoke,
    page_text,
    post_step,
    step_url,
)
from tests.claims.review_helpers import claim_in
from tests.hostile import (
    assert_no_server_error,
    assert_shown_again,
    hostile_number_text,
    hostile_text,
    junk_fields,
)

SERVICE_FIELDS = {"hours_declared", "candidates_declared", "schedule"}
# Generated input, bounded so that the whole file runs in well under a minute.
hostile = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@contextmanager
def rolled_back():
    """Each generated example starts from the same claim."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def hourly_claim(participant, manager, **mission):
    return convoke(
        participant,
        manager,
        mission_type__name="Interrogation",
        mission_type__payment_basis=MissionType.PaymentBasis.PER_HOUR,
        mission_type__counts_candidates=True,
        planned_volume=6,
        **mission,
    )


@pytest.fixture
def hourly(signed_in, participant, manager, settings):
    """An hourly claim (hours, candidates, schedule) at its service step."""
    settings.TRAVEL_ENABLED = False
    claim = hourly_claim(participant, manager)
    post_step(signed_in, claim, "mission", performed="yes")
    claim.refresh_from_db()
    return claim


@pytest.fixture
def travelling(signed_in, participant, manager, settings):
    """A claim with a travel part, at its travel step."""
    settings.TRAVEL_ENABLED = True
    claim = convoke(participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    post_step(signed_in, claim, "mission", performed="yes")
    post_step(signed_in, claim, "service", copies_declared="42")
    claim.refresh_from_db()
    assert flow.current_step(claim).name == "deplacement"
    return claim


@pytest.fixture
def submitted_claim(participant, manager, settings):
    settings.TRAVEL_ENABLED = False
    return claim_in(ClaimStatus.SUBMITTED, participant, manager)


def the_claim_still_opens(client, claim) -> None:
    for url in (
        step_url(claim, "service"),
        reverse("claims:detail", args=[claim.pk]),
        step_url(claim, "recapitulatif"),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url


def draft_is_storable_and_bounded(claim: Claim, step: str, names) -> None:
    draft = flow.step_draft(claim, step) or {}
    assert set(draft) <= set(names)
    for values in draft.values():
        assert len(values) == 1 and len(values[0]) <= DRAFT_VALUE_LIMIT
        assert "\x00" not in values[0]
    assert len(json.dumps(claim.draft)) < 300 * 1000


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
        if flow.step_draft(claim, "service") is not None:
            assert response.status_code in (302, 400)
            page = signed_in.get(step_url(claim, "service"))
            assert page.status_code == 200
            for (kept,) in claim.draft["service"].values():
                assert_shown_again(page, kept)
        assert_no_server_error(
            signed_in.get(reverse("claims:detail", args=[claim.pk]), follow=True)
        )


# ------------------------------------------------------- the travel step


def travel_line(**values) -> dict:
    return {
        **TRAVEL_FORMS,
        "repas-0-kind": "lunch",
        "nuitees-0-zone": "standard",
        **values,
    }


def test_a_nul_byte_in_a_trip_is_refused_and_everything_typed_is_kept(
    signed_in, travelling
):
    response = post_step(
        signed_in,
        travelling,
        "deplacement",
        "enregistrer",
        **travel_line(
            **{
                "trajets-0-origin": "Évreux\x00",
                "trajets-0-destination": "Le Havre",
                "trajets-0-fare": "1E-7",
            }
        ),
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "caractère invisible" in text and "Saisissez un nombre" in text
    travelling.refresh_from_db()
    draft = travelling.draft["deplacement"]
    assert draft["trajets-0-origin"] == ["Évreux\ufffd"]
    assert draft["trajets-0-destination"] == ["Le Havre"]
    assert not travelling.trips.exists()
    page = page_text(signed_in.get(step_url(travelling, "deplacement")))
    assert "Le Havre" in page and "Saisissez un nombre" in page


@pytest.mark.parametrize(
    "total", [None, "1000000", "-1", "abc", "\x00", "9" * 5000, ["1", "40"]]
)
def test_a_tampered_line_count_never_hides_the_lines_typed(
    signed_in, travelling, total
):
    data = travel_line(
        **{"trajets-0-origin": "Rouen", "trajets-0-destination": "Caen\x01"}
    )
    if total is None:
        del data["trajets-TOTAL_FORMS"]
    else:
        data["trajets-TOTAL_FORMS"] = total
    response = post_step(signed_in, travelling, "deplacement", "enregistrer", **data)
    assert response.status_code == 400
    assert "Caen\x01" in response.content.decode()
    travelling.refresh_from_db()
    draft = travelling.draft["deplacement"]
    assert draft["trajets-TOTAL_FORMS"] == ["1"]
    assert draft["trajets-0-origin"] == ["Rouen"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1970-01-01"])
def test_a_far_date_is_priced_or_refused_never_a_crash(
    signed_in, participant, travelling, day
):
    response = post_step(
        signed_in,
        travelling,
        "deplacement",
        **travel_line(
            **{
                "trajets-0-date": day,
                "trajets-0-origin": "Rouen",
                "trajets-0-destination": "Caen",
                "trajets-0-mode": "car",
                "trajets-0-fiscal_horsepower": "50",
                "trajets-0-kilometres": "5000",
                "repas-0-date": day,
                "nuitees-0-date": day,
            }
        ),
    )
    assert_no_server_error(response)
    for url in (
        step_url(travelling, "recapitulatif"),
        reverse("claims:detail", args=[travelling.pk]),
        reverse("claims:pdf", args=[travelling.pk]),
    ):
        assert signed_in.get(url, follow=True).status_code == 200, url
    travelling.refresh_from_db()
    assert_no_server_error(
        signed_in.post(
            reverse("claims:submit", args=[travelling.pk]),
            {"version": travelling.version},
        )
    )


@pytest.mark.parametrize(
    "hidden",
    [
        {"trajets-INITIAL_FORMS": "1", "trajets-0-id": "999999"},
        {"trajets-INITIAL_FORMS": "1", "trajets-0-id": ""},
        {"trajets-0-id": "abc"},
        {"trajets-0-claim": "abc"},
    ],
)
def test_a_tampered_hidden_field_never_leaves_a_line_impossible_to_save(
    signed_in, travelling, hidden
):
    data = travel_line(
        **{
            "trajets-0-origin": "Rouen",
            "trajets-0-destination": "Caen",
            "trajets-0-fare": "12,x",
            **hidden,
        }
    )
    response = post_step(signed_in, travelling, "deplacement", "enregistrer", **data)
    assert response.status_code == 400
    no_error_hidden_from_view(response)
    assert "Saisissez un nombre" in page_text(response)
    # Corrected, the line is saved.
    data["trajets-0-fare"] = "12,50"
    response = post_step(signed_in, travelling, "deplacement", "enregistrer", **data)
    assert response.status_code == 302
    travelling.refresh_from_db()
    assert travelling.trips.get().fare == Decimal("12.50")
    assert flow.step_draft(travelling, "deplacement") is None


def test_lines_beyond_the_maximum_are_not_kept(signed_in, travelling):
    data = travel_line(**{"trajets-TOTAL_FORMS": "500"})
    for index in range(500):
        data[f"trajets-{index}-origin"] = f"Ville {index}"
    response = post_step(signed_in, travelling, "deplacement", "enregistrer", **data)
    assert_no_server_error(response)
    travelling.refresh_from_db()
    assert travelling.trips.count() <= 30
    keys = (flow.step_draft(travelling, "deplacement") or {}).keys()
    assert "trajets-30-origin" not in keys and "trajets-499-origin" not in keys


TRAVEL_TEXT = (
    "trajets-0-date",
    "trajets-0-origin",
    "trajets-0-destination",
    "trajets-0-fiscal_horsepower",
    "trajets-0-kilometres",
    "trajets-0-fare",
    "repas-0-date",
    "nuitees-0-date",
)
TRAVEL_OTHER = (
    "trajets-0-mode",
    "trajets-0-id",
    "trajets-0-DELETE",
    "repas-0-kind",
    "repas-0-administrative_restaurant",
    "nuitees-0-zone",
)
COUNTS = st.one_of(
    st.none(), st.sampled_from(["0", "1", "2", "30", "31"]), hostile_number_text()
)


@hostile
@given(
    text=st.fixed_dictionaries(
        {
            key: st.one_of(
                hostile_text(),
                hostile_number_text(),
                st.dates().map(lambda day: day.isoformat()),
            )
            for key in TRAVEL_TEXT
        }
    ),
    other=st.fixed_dictionaries(
        {
            key: st.one_of(st.none(), st.just("saved"), hostile_text(40))
            for key in TRAVEL_OTHER
        }
    ),
    counts=st.fixed_dictionaries(
        {
            f"{prefix}-{count}": COUNTS
            for prefix in ("trajets", "repas", "nuitees")
            for count in ("TOTAL_FORMS", "INITIAL_FORMS")
        }
    ),
    junk=junk_fields(),
    action=st.sampled_from(["enregistrer", "continuer", "retour"]),
    stale=st.booleans(),
)
def test_no_travel_entry_breaks_the_claim_or_is_lost(
    signed_in, travelling, text, other, counts, junk, action, stale
):
    version = travelling.version - 1 if stale else travelling.version
    payload = {**junk, **text, "version": version, "action": action}
    payload.update({k: v for k, v in {**other, **counts}.items() if v is not None})
    with rolled_back():
        # A line saved before, whose id the form may post back.
        saved = Trip.objects.create(claim=travelling, origin="Rouen")
        if payload.get("trajets-0-id") == "saved":
            payload["trajets-0-id"] = str(saved.pk)
        response = signed_in.post(step_url(travelling, "deplacement"), payload)
        assert_no_server_error(response)
        claim = Claim.objects.get(pk=travelling.pk)
        if stale:
            assert response.status_code == 409 and claim.version == travelling.version
        names = {key for key in claim.draft.get("deplacement", {})}
        assert all(
            key.split("-")[0] in ("trajets", "repas", "nuitees") for key in names
        )
        draft_is_storable_and_bounded(claim, "deplacement", names)
        if response.status_code in (400, 409):
            for value in text.values():
                assert_shown_again(response, value)
            no_error_hidden_from_view(response)
        page = signed_in.get(step_url(claim, "deplacement"))
        assert page.status_code == 200
        no_error_hidden_from_view(page)
        for url in (
            reverse("claims:detail", args=[claim.pk]),
            step_url(claim, "recapitulatif"),
        ):
            assert_no_server_error(signed_in.get(url, follow=True))


def no_error_hidden_from_view(response) -> None:
    """Every refusal is on a field the participant sees (else they could
    not correct it, and every save would be refused again)."""
    for _part, formset in response.context["page"].formsets:
        for form in formset.forms:
            hidden = [
                name
                for name in form.errors
                if name in form.fields and form[name].is_hidden
            ]
            assert not hidden, (hidden, form.errors)


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
    assert flow.step_draft(claim, "service") is None


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
