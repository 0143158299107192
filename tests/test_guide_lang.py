"""The English guide names French screens and buttons in French, for the
reader to recognise them on the French site: each such gloss is marked
lang="fr" (RGAA 8.7), so that a screen reader says it in French."""

from __future__ import annotations

import pytest

from imagin import help as guide
from tests.html_tree import Element, parse

# French words the English guide shows, by chapter.
KNOWN = {
    "premiers-pas": [
        "Accueil",
        "Mon compte",
        "Mes disponibilités",
        "Mes convocations",
        "Saisie états de frais mission",
    ],
    "etat-de-frais": ["état de frais", "Saisie états de frais mission"],
    "convocations": ["convocation", "Mes convocations"],
    "declarations": ["épreuves", "Mes disponibilités"],
    "contact": ["division des examens et concours"],
    "mon-compte": ["Mon compte", "Français"],
    "gestion": ["Gestion (back-office)", "système"],
    "gestion-convocations": ["tirage des convocations", "impression de contrôle"],
    "gestion-paiement": ["mise en paiement"],
    "gestion-session": ["arrêté du 13 avril 2012", "discipline"],
}


def _french(page: Element) -> list[str]:
    return [span.text for span in page.find_all(lang="fr")]


@pytest.fixture
def english(client, manager):
    # The manager reads every chapter, the back-office's too.
    client.force_login(manager)

    def chapter(slug: str) -> Element:
        response = client.get(
            guide.chapter_url(slug), headers={"accept-language": "en"}
        )
        assert response.status_code == 200
        page = parse(response)
        assert page.find("html").get("lang") == "en"
        return page

    return chapter


@pytest.mark.parametrize("slug", sorted(KNOWN))
def test_the_known_french_terms_are_marked_french(english, slug):
    french = _french(english(slug))
    for term in KNOWN[slug]:
        assert term in french, (slug, term, french)


def test_every_gloss_in_brackets_is_marked_french(english):
    """A gloss is written "**Home** (*Accueil*)": an emphasised phrase in
    brackets. Each of them, in every chapter, is in French."""
    for chapter in guide.chapters("en"):
        page = english(chapter.slug)
        for emphasis in page.find_all("em"):
            siblings = emphasis.parent.children if emphasis.parent else []
            index = siblings.index(emphasis)
            before = siblings[index - 1] if index else ""
            if isinstance(before, str) and before.endswith("("):
                assert emphasis.find(lang="fr") is not None, (
                    chapter.slug,
                    emphasis.text,
                )
