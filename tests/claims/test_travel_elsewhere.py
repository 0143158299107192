"""Where travel is not claimed in IMAG'IN (TRAVEL_ENABLED false, as in
Nouvelle-Calédonie), each claim's pages and the guide say how it is refunded
(TRAVEL_ELSEWHERE_TEXT), and nothing else on the claim speaks of travel.
Where it is claimed here, nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim
from imagin import help as guide
from tests.claims.entry_helpers import convoke, post_step, step_url
from tests.html_tree import Element, parse

ELSEWHERE = (
    "Les frais de déplacement se déclarent sur le formulaire papier de la "
    "province, à remettre au vice-rectorat."
)
TRAVEL_WORDS = ("déplacement", "trajet", "repas", "nuitée", "kilom", "travel")


def _notice(page: Element) -> Element | None:
    found = page.find_all(data_travel_elsewhere=True)
    assert len(found) <= 1
    return found[0] if found else None


def _text_outside(element: Element, left_out: Element | None) -> str:
    parts: list[str] = []

    def walk(node: Element) -> None:
        if node is left_out:
            return
        for child in node.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag not in ("script", "style"):
                walk(child)

    walk(element)
    return " ".join("".join(parts).split()).lower()


@pytest.fixture
def travel_claim(client, participant, manager):
    """A claim whose mission would give travel where travel is claimed."""
    client.force_login(participant)
    claim = convoke(participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    claim.refresh_from_db()
    return claim


def _claim_pages(client, participant, claim):
    """Every page of the claim, from its first step to after it is sent."""
    yield "mission", client.get(step_url(claim, "mission"))
    post_step(client, claim, "mission", performed="yes")
    yield "service", client.get(step_url(claim, "service"))
    post_step(client, claim, "service", copies_declared="12")
    yield "recapitulatif", client.get(step_url(claim, "recapitulatif"))
    claim.refresh_from_db()
    services.claim_submit(claim=claim, by=participant, version=claim.version)
    yield "detail", client.get(reverse("claims:detail", args=[claim.pk]))


def test_without_travel_each_claim_page_says_how_it_is_refunded(
    client, participant, travel_claim, settings
):
    settings.TRAVEL_ENABLED = False
    settings.TRAVEL_ELSEWHERE_TEXT = ELSEWHERE
    for name, response in _claim_pages(client, participant, travel_claim):
        assert response.status_code == 200, name
        page = parse(response)
        notice = _notice(page)
        assert notice is not None, name
        assert ELSEWHERE in notice.text, name
        assert "fr-alert--info" in notice.classes
        main = page.find("main")
        assert main is not None
        outside = _text_outside(main, notice)
        for word in TRAVEL_WORDS:
            assert word not in outside, (name, word)


def test_with_travel_the_claim_pages_are_unchanged(
    client, participant, travel_claim, settings
):
    settings.TRAVEL_ENABLED = True
    settings.TRAVEL_ELSEWHERE_TEXT = ELSEWHERE
    page = parse(client.get(step_url(travel_claim, "mission")))
    assert _notice(page) is None
    assert ELSEWHERE not in page.text
    # The travel step is there, after the service.
    post_step(client, travel_claim, "mission", performed="yes")
    post_step(client, travel_claim, "service", copies_declared="12")
    response = client.get(step_url(travel_claim, "deplacement"))
    assert response.status_code == 200
    assert _notice(parse(response)) is None


@pytest.mark.parametrize("travel", [False, True])
def test_the_guide_on_claims_says_how_travel_is_refunded_where_needed(
    client, settings, travel
):
    settings.TRAVEL_ENABLED = travel
    settings.TRAVEL_ELSEWHERE_TEXT = ELSEWHERE
    page = parse(client.get(guide.chapter_url("etat-de-frais")))
    notice = _notice(page)
    if travel:
        assert notice is None
    else:
        assert notice is not None and ELSEWHERE in notice.text
        assert not notice.find_all(lang="fr")  # the page is in French


def test_the_french_text_is_marked_french_on_an_english_page(client, settings):
    settings.TRAVEL_ENABLED = False
    settings.TRAVEL_ELSEWHERE_TEXT = ELSEWHERE
    response = client.get(
        guide.chapter_url("etat-de-frais"), headers={"accept-language": "en"}
    )
    notice = _notice(parse(response))
    assert notice is not None
    french = notice.find("p", lang="fr")
    assert french is not None and french.text == ELSEWHERE
