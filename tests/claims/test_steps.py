"""The claim steps as objects: each owns its template and what it saves, the
view and the page are the same for all, and the entry service keeps track
of the steps done."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template.loader import get_template
from django.urls import reverse

from claims import services, steps
from claims.steps.base import Entry
from tests.claims.entry_helpers import page_text, post_step, step_url

pytestmark = pytest.mark.usefixtures("without_travel")

ROOT = Path(django_settings.BASE_DIR)


def test_every_registered_step_has_its_own_address_and_template():
    identifiers = [step.identifier for step in steps.STEPS]
    assert len(set(identifiers)) == len(identifiers)
    for step in steps.STEPS:
        assert get_template(step.template)


@pytest.mark.parametrize(
    "path", ["claims/views/steps.py", "templates/claims/claim_step.html"]
)
def test_the_step_view_and_its_page_name_no_step(path):
    """Adding a step is a class and a template: the generic parts never
    test which step they show."""
    text = (ROOT / path).read_text()
    for step in steps.STEPS:
        assert f'"{step.identifier}"' not in text, (path, step.identifier)


def test_a_step_saved_complete_is_done_and_one_saved_incomplete_is_not(
    participant, convoked_claim
):
    claim = services.claim_step_save(
        claim=convoked_claim,
        by=participant,
        version=convoked_claim.version,
        step="mission",
        values={},
        complete=True,
    )
    claim = services.claim_step_save(
        claim=claim,
        by=participant,
        version=claim.version,
        step="service",
        values={"copies_declared": 12},
        complete=False,
    )
    assert claim.steps_done == ["mission"] and claim.copies_declared == 12
    claim = services.claim_step_save(
        claim=claim,
        by=participant,
        version=claim.version,
        step="service",
        values={"copies_declared": 12},
        complete=True,
    )
    assert claim.steps_done == ["mission", "service"]


def test_a_draft_is_kept_until_the_step_is_saved_valid(participant, convoked_claim):
    typed = {"copies_declared": ["4O"]}
    claim = services.claim_step_save(
        claim=convoked_claim,
        by=participant,
        version=convoked_claim.version,
        step="service",
        values={},
        complete=False,
        draft=typed,
    )
    assert steps.step_draft(claim, "service") == typed
    claim = services.claim_step_save(
        claim=claim,
        by=participant,
        version=claim.version,
        step="service",
        values={"copies_declared": 40},
        complete=True,
    )
    assert steps.step_draft(claim, "service") is None


@pytest.mark.parametrize(
    ("step", "values"),
    [
        ("mission", {"copies_declared": 3}),
        ("service", {"status": "approved"}),
        ("service", {"steps_done": ["mission", "service"]}),
        ("service", {"trips": []}),
    ],
)
def test_a_step_saves_only_what_it_owns(participant, convoked_claim, step, values):
    with pytest.raises(ValueError, match="does not save"):
        services.claim_step_save(
            claim=convoked_claim,
            by=participant,
            version=convoked_claim.version,
            step=step,
            values=values,
            complete=False,
        )
    convoked_claim.refresh_from_db()
    assert convoked_claim.version == 1 and convoked_claim.status == "draft"


def test_an_unknown_step_is_refused(participant, convoked_claim):
    with pytest.raises(LookupError):
        services.claim_step_save(
            claim=convoked_claim,
            by=participant,
            version=convoked_claim.version,
            step="paiement",
            values={},
            complete=True,
        )


def test_the_mission_step_reads_its_answer(convoked_claim, rf):
    mission = steps.registered("mission")
    yes = mission.read(
        convoked_claim, rf.post("/", {"performed": "yes"}).POST, continuing=False
    )
    assert yes == Entry(complete=True)
    no = mission.read(
        convoked_claim, rf.post("/", {"performed": "no"}).POST, continuing=True
    )
    assert no == Entry(
        elsewhere=reverse("claims:not_performed", args=[convoked_claim.pk])
    )
    blank = mission.read(convoked_claim, rf.post("/", {}).POST, continuing=True)
    assert blank.refusal == "Indiquez si vous avez effectué la mission."


def test_the_stepper_tells_the_step_its_number_and_the_next_one(
    signed_in, convoked_claim
):
    content = page_text(signed_in.get(step_url(convoked_claim, "mission")))
    assert "Étape 1 sur 3" in content
    assert "Mission effectuée" in content
    details = content.split("fr-stepper__details", 1)[1].split("</p>", 1)[0]
    assert "Étape suivante" in details and "Service fait" in details
    post_step(signed_in, convoked_claim, "mission", performed="yes")
    post_step(signed_in, convoked_claim, "service", copies_declared="40")
    content = page_text(signed_in.get(step_url(convoked_claim, "recapitulatif")))
    assert "Étape 3 sur 3" in content
    assert "fr-stepper__details" not in content
