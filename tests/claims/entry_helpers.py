"""Helpers and fixtures of the claim entry tests."""

from __future__ import annotations

import html
import io

from django.urls import reverse
from pypdf import PdfReader

from claims import services
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


# The management data of the travel step's three formsets, one blank row each.
TRAVEL_FORMS = {
    f"{prefix}-{key}": value
    for prefix in ("trajets", "repas", "nuitees")
    for key, value in (("TOTAL_FORMS", "1"), ("INITIAL_FORMS", "0"))
}


def step_url(claim, name):
    return reverse("claims:step", args=[claim.pk, name])


def convoke(participant, manager, **mission):
    assignment = factories.AssignmentFactory(
        participant=participant, mission=factories.MissionFactory(**mission)
    )
    return services.convocation_issue(assignment=assignment, by=manager)


def post_step(client, claim, name, action="continuer", **data):
    claim.refresh_from_db()
    payload = {"version": claim.version, "action": action, **data}
    return client.post(step_url(claim, name), payload)


def page_text(response) -> str:
    """The page as a reader sees it: entities such as &#x27; decoded."""
    return html.unescape(response.content.decode())


def pdf_text(content: bytes) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # table cells wrap lines anywhere


def complete(client, claim, copies="42"):
    post_step(client, claim, "mission", performed="yes")
    post_step(client, claim, "service", copies_declared=copies)


def submitted(client, participant, claim):
    complete(client, claim)
    claim.refresh_from_db()
    return services.claim_submit(claim=claim, by=participant, version=claim.version)[0]
