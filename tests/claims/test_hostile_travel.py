"""No input a browser can send to the travel step breaks the claim: lines
with NUL bytes, tampered counts, ids and hidden fields, far dates; what was
typed is kept, bounded (issue 15, points 1 to 3).

Run them on PostgreSQL too: it refuses NUL bytes that SQLite keeps.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from claims.models import Claim, Trip
from claims.steps import step_draft
from tests.claims.entry_helpers import (
    TRAVEL_FORMS,
    page_text,
    post_step,
    step_url,
)
from tests.claims.hostile_claims import (
    draft_is_storable_and_bounded,
    hostile,
    rolled_back,
)
from tests.hostile import (
    assert_no_server_error,
    assert_shown_again,
    hostile_number_text,
    hostile_text,
    junk_fields,
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
    assert step_draft(travelling, "deplacement") is None


def test_lines_beyond_the_maximum_are_not_kept(signed_in, travelling):
    data = travel_line(**{"trajets-TOTAL_FORMS": "500"})
    for index in range(500):
        data[f"trajets-{index}-origin"] = f"Ville {index}"
    response = post_step(signed_in, travelling, "deplacement", "enregistrer", **data)
    assert_no_server_error(response)
    travelling.refresh_from_db()
    assert travelling.trips.count() <= 30
    keys = (step_draft(travelling, "deplacement") or {}).keys()
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
