"""The header and the side menus are django-dsfr's components, filled with
IMAG'IN's links, and stay within the strict CSP."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.html import assert_strict_csp_page


def _side_menu(html: str) -> str:
    return html.partition('class="fr-sidemenu"')[2].partition("</nav>")[0]


def test_the_side_menu_folds_behind_its_button_on_a_phone(client, participant):
    client.force_login(participant)
    html = assert_strict_csp_page(client.get(reverse("accounts:profile")))
    menu = _side_menu(html)
    button = re.search(r'<button type="button"\s+class="fr-sidemenu__btn"[^>]*>', menu)
    assert button, menu
    assert 'aria-controls="fr-sidemenu-compte-wrapper"' in button.group(0)
    assert 'aria-expanded="false"' in button.group(0)
    assert '<div class="fr-collapse" id="fr-sidemenu-compte-wrapper">' in menu


def test_the_side_menu_marks_the_page_shown_and_only_it(client, participant):
    client.force_login(participant)
    html = client.get(reverse("accounts:profile")).content.decode()
    menu = _side_menu(html)
    assert menu.count('aria-current="page"') == 1
    current = re.search(r'<a[^>]*aria-current="page"[^>]*>([^<]*)</a>', menu)
    assert current and current.group(1).strip() == "Mes coordonnées"
    assert f'href="{reverse("accounts:financial_file")}"' in menu
    assert f'href="{reverse("account_change_password")}"' in menu
    assert reverse("mfa_index") not in menu  # participants have no second factor


def test_the_missions_menu_leads_to_the_claims(client, participant):
    client.force_login(participant)
    html = assert_strict_csp_page(client.get(reverse("claims:list")))
    menu = _side_menu(html)
    assert "Mes missions" in menu
    for name in ("missions:declarations", "missions:convocations", "claims:list"):
        assert f'href="{reverse(name)}"' in menu


def test_the_guide_menu_opens_the_group_of_the_chapter_shown(client, db):
    html = assert_strict_csp_page(
        client.get(reverse("guide_chapter", args=["etat-de-frais"]))
    )
    menu = _side_menu(html)
    assert "Chapitres du guide" in menu
    groups = re.findall(
        r'<li class="fr-sidemenu__item( fr-sidemenu__item--active)?">\s*'
        r'<button type="button"\s+class="fr-sidemenu__btn"\s+aria-expanded="(\w+)"',
        menu,
    )
    assert [expanded for _, expanded in groups] == ["true", "false"], groups


def test_the_header_burger_opens_the_menu_holding_the_account_links(
    client, participant
):
    client.force_login(participant)
    html = assert_strict_csp_page(client.get(reverse("home")))
    header = html.partition('role="banner"')[2].partition("</header>")[0]
    assert 'aria-controls="fr-menu-mobile"' in header
    assert 'id="fr-menu-mobile" aria-labelledby="fr-btn-menu-mobile"' in header
    assert 'id="navigation-principale"' in header  # the skip link's target
    assert "Se déconnecter" in header and "Paul Durand" in header
    assert "Académie de démonstration" in header
    # No placeholder of django-dsfr's template is left.
    assert "url - à modifier" not in header and "accès direct" not in header


def test_the_header_shows_the_back_office_to_managers_only(client, manager):
    client.force_login(manager)
    header = client.get(reverse("home")).content.decode().partition("</header>")[0]
    assert f'href="{reverse("admin:index")}"' in header
