"""The legal pages (accessibility statement, legal notice, personal data, site
map), the footer that links to them, and the TOML file their texts come from."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks
from django.urls import reverse
from django.utils.html import escape

from imagin.legal import content
from imagin.legal.checks import legal_content_file
from tests.html import assert_strict_csp_page

PAGES = ("legal:accessibility", "legal:notice", "legal:personal_data", "legal:sitemap")
DEMO = Path(settings.BASE_DIR) / "imagin" / "legal" / "demo.toml"


def _footer(html: str) -> str:
    return html.partition('id="pied-de-page"')[2].partition("</footer>")[0]


def _demo_with(tmp_path: Path, replace: dict[str, str], name: str = "x.toml") -> Path:
    """A copy of the demo file with some lines replaced (old -> new)."""
    text = DEMO.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the pages


@pytest.mark.parametrize("name", PAGES)
def test_each_page_is_open_to_visitors_and_signed_in_users(client, participant, name):
    anonymous = client.get(reverse(name))
    assert anonymous.status_code == 200
    assert_strict_csp_page(anonymous)
    client.force_login(participant)
    signed_in = client.get(reverse(name))
    assert signed_in.status_code == 200
    assert_strict_csp_page(signed_in)


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("legal:accessibility", "/accessibilite/"),
        ("legal:notice", "/mentions-legales/"),
        ("legal:personal_data", "/donnees-personnelles/"),
        ("legal:sitemap", "/plan-du-site/"),
    ],
)
def test_the_pages_have_french_addresses(name, path):
    assert reverse(name) == path


@pytest.mark.parametrize("name", PAGES)
def test_each_page_reads_in_english(client, db, name):
    response = client.get(reverse(name), headers={"accept-language": "en"})
    assert response.status_code == 200
    html = assert_strict_csp_page(response)
    assert '<html lang="en"' in html
    # The footer links to every legal page in English too.
    for page in PAGES:
        assert f'href="{reverse(page)}"' in _footer(html)


def test_the_statement_follows_the_rgaa_model_with_the_audits_facts(client, db):
    html = client.get(reverse("legal:accessibility")).content.decode()
    demo = content.load(DEMO).accessibility
    assert "partiellement conforme" in html
    assert "<strong>81,4 %</strong>" in html
    assert "18 novembre 2026" in html  # the audit's date
    assert escape(demo["auditor"]) in html
    assert "RGAA), version 4.1.2" in html
    for key in ("technologies", "test_environment", "tools"):
        for item in demo[key]:
            assert escape(item) in html, item
    for key in ("non_conformities", "derogations", "non_subject"):
        for item in demo[key]:
            assert escape(item) in html, item
    for page in demo["pages"]:
        assert escape(page["title"]) in html
    assert 'href="mailto:accessibilite@ac-demo.fr"' in html
    assert "Défenseur des droits" in html
    assert "Libre réponse 71120" in html


def test_the_personal_data_page_says_what_the_cnil_expects(client, db, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    html = client.get(reverse("legal:personal_data")).content.decode()
    for words in (
        "Responsable du traitement",
        "Délégué à la protection des données",
        "Finalités",
        "Base légale",
        "date de naissance",
        "Numéro de sécurité sociale (NIR)",
        "IBAN",
        "Journal d'audit",
        "Direction régionale des finances publiques de Démo",
        "chefs de centre",
        "Durées de conservation",
        "chiffrés dans la base de données",
        "double authentification",
        "réclamation à la CNIL",
        "Cookies",
    ):
        assert words in html, words
    for cookie in (
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        settings.LANGUAGE_COOKIE_NAME,
    ):
        assert f"<code>{cookie}</code> :" in html
    assert "52 semaines" in html  # Django's CSRF cookie lifetime
    settings.MFA_REQUIRED_FOR_STAFF = False
    html = client.get(reverse("legal:personal_data")).content.decode()
    assert "double authentification" not in html


def test_the_site_map_lists_the_pages_and_says_which_need_a_sign_in(client, db):
    html = client.get(reverse("legal:sitemap")).content.decode()
    for name in (
        "home",
        "account_login",
        "accounts:profile",
        "accounts:financial_file",
        "missions:declarations",
        "missions:convocations",
        "claims:list",
        "guide",
        *PAGES,
    ):
        assert f'href="{reverse(name)}"' in html, name
    assert "demandent d'être connecté(e)" in html
    assert f'href="{reverse("guide_chapter", args=["contact"])}"' in html


# ------------------------------------------------------------------ the footer


def test_the_footer_has_the_state_sites_and_the_mandatory_links(client, participant):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(participant)
        footer = _footer(client.get(reverse("home")).content.decode())
        for site in ("info.gouv.fr", "service-public.fr", "legifrance.gouv.fr"):
            link = re.search(
                rf'<a [^>]*href="https://www\.{re.escape(site)}"[^>]*>', footer
            )
            assert link, site
            assert 'target="_blank"' in link[0] and 'rel="noopener"' in link[0]
            assert f'title="{site} — nouvelle fenêtre"' in link[0]
        assert 'href="https://www.data.gouv.fr"' in footer
        for name in PAGES:
            assert f'href="{reverse(name)}"' in footer, name
        assert "Accessibilité : partiellement conforme" in footer
        assert f'href="{reverse("guide")}"' in footer
        assert f'href="{reverse("guide_chapter", args=["contact"])}"' in footer
        assert "licence etalab-2.0" in footer
        button = re.search(r"<button [^>]*>Paramètres d'affichage</button>", footer)
        assert button, "display settings button"
        assert 'aria-controls="fr-theme-modal"' in button[0]
        assert 'data-fr-opened="false"' in button[0]
        assert "fr-icon-theme-fill fr-link--icon-left" in button[0]


def test_every_page_carries_the_display_settings_modal(client, db):
    for path in (reverse("home"), reverse("legal:notice"), "/page-inexistante/"):
        html = client.get(path).content.decode()
        assert '<html lang="fr" data-fr-scheme="system">' in html
        assert '<dialog id="fr-theme-modal" class="fr-modal"' in html
        for value in ("light", "dark", "system"):
            assert 'name="fr-radios-theme"' in html
            assert f'value="{value}"' in html
        for picture in (
            "environment/sun.svg",
            "environment/moon.svg",
            "system/system.svg",
        ):
            assert (
                f"/static/dsfr/dist/artwork/pictograms/{picture}#artwork-major" in html
            )


def test_the_pictograms_of_the_display_modal_exist():
    for picture in ("environment/sun.svg", "environment/moon.svg", "system/system.svg"):
        assert finders.find(f"dsfr/dist/artwork/pictograms/{picture}"), picture


# ------------------------------------------------------------------ the level


@pytest.mark.parametrize(
    ("rate", "level", "label"),
    [
        ("100", content.TOTAL, "totalement conforme"),
        ("100.0", content.TOTAL, "totalement conforme"),
        ("99.9", content.PARTIAL, "partiellement conforme"),
        ("50", content.PARTIAL, "partiellement conforme"),
        ("49.9", content.NONE, "non conforme"),
        ("0", content.NONE, "non conforme"),
    ],
)
def test_the_level_follows_the_audits_rate(
    client, db, settings, tmp_path, rate, level, label
):
    settings.LEGAL_CONTENT_FILE = _demo_with(
        tmp_path, {"compliance_rate = 81.4": f"compliance_rate = {rate}"}
    )
    assert content.load().level == level
    html = client.get(reverse("legal:accessibility")).content.decode()
    assert f"<strong>{label}</strong>" in html
    assert f"Accessibilité : {label}" in _footer(html)
    # Only a site short of full conformity lists why.
    reason = "en raison des non-conformités et des dérogations"
    assert (reason in html) == (level != content.TOTAL)


def test_the_rgaa_thresholds():
    assert content.conformity(100) == content.TOTAL
    assert content.conformity(50) == content.PARTIAL
    assert content.conformity(49.99) == content.NONE


# ------------------------------------------------------------------ the file


def test_an_academies_own_file_changes_the_texts(client, db, settings, tmp_path):
    settings.LEGAL_CONTENT_FILE = _demo_with(
        tmp_path,
        {
            "Rectorat de l'académie de Démo — Division des examens et concours": (
                "Rectorat de l'académie de Pouet"
            ),
            "Pôle d'hébergement académique de Démo": "Hébergeur Pouet",
            'dpo_email = "dpd@ac-demo.fr"': 'dpo_email = "dpo@ac-pouet.fr"',
            "Direction régionale des finances publiques de Démo": "DRFiP de Pouet",
        },
    )
    notice = client.get(reverse("legal:notice")).content.decode()
    assert "Rectorat de l&#x27;académie de Pouet" in notice
    assert "Hébergeur Pouet" in notice
    assert "Démo — Division" not in notice
    data = client.get(reverse("legal:personal_data")).content.decode()
    assert "dpo@ac-pouet.fr" in data and "DRFiP de Pouet" in data


def test_the_file_is_read_again_when_it_changes(settings, tmp_path):
    path = _demo_with(tmp_path, {})
    settings.LEGAL_CONTENT_FILE = path
    first = content.load()
    assert content.load() is first  # cached while the file is unchanged
    text = path.read_text(encoding="utf-8").replace("81.4", "100")
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert content.load().level == content.TOTAL


def test_the_demo_file_is_complete_and_documents_each_key():
    assert legal_content_file() == []
    text = DEMO.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for section, keys in content.SCHEMA.items():
        assert f"[{section}]" in text
        for key in keys:
            assert key in data[section], f"{section}.{key}"
    # A comment before each table and before most keys.
    assert text.count("\n#") >= 40


def _check_messages(settings, path: Path) -> list[checks.CheckMessage]:
    settings.LEGAL_CONTENT_FILE = path
    return legal_content_file()


@pytest.mark.parametrize(
    ("replace", "key"),
    [
        ({'auditor = "': 'auditeur = "'}, "accessibility.auditor"),
        ({"[host]": "[hebergeur]"}, "host"),
        (
            {"audit_date = 2026-11-18": 'audit_date = "18/11/2026"'},
            "accessibility.audit_date",
        ),
        (
            {"compliance_rate = 81.4": "compliance_rate = 181.4"},
            "accessibility.compliance_rate",
        ),
        ({'director = "Madame': 'director = "  "\n# "'}, "publisher.director"),
        (
            {'{ title = "Accueil", url = "/" }': '{ title = "Accueil" }'},
            "accessibility.pages[0].url",
        ),
        ({"tools = [": "tools = [] \nold_tools = ["}, "accessibility.tools"),
    ],
)
def test_an_incomplete_file_fails_the_system_check_naming_the_key(
    settings, tmp_path, replace, key
):
    errors = _check_messages(settings, _demo_with(tmp_path, replace))
    assert len(errors) == 1
    assert errors[0].level == checks.ERROR and errors[0].id == "imagin.E010"
    assert f"[{key}]" in errors[0].msg
    with pytest.raises(content.LegalContentError) as raised:
        content.load()
    assert raised.value.key == key


def test_a_file_that_is_not_toml_or_absent_fails_the_system_check(settings, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[site]\nname = \"IMAG'IN\n", encoding="utf-8")
    (error,) = _check_messages(settings, broken)
    assert "is not valid TOML" in error.msg and str(broken) in error.msg
    (error,) = _check_messages(settings, tmp_path / "absent.toml")
    assert "cannot be read" in error.msg
    latin = tmp_path / "latin.toml"
    latin.write_bytes(DEMO.read_text(encoding="utf-8").encode("latin-1", "replace"))
    (error,) = _check_messages(settings, latin)
    assert "UTF-8" in error.msg


def test_the_check_is_registered_with_django():
    errors = checks.run_checks()
    assert not [e for e in errors if e.id == "imagin.E010"]
    assert legal_content_file in checks.registry.registry.registered_checks


def test_a_broken_file_leaves_other_pages_working(client, db, settings, tmp_path):
    settings.LEGAL_CONTENT_FILE = tmp_path / "absent.toml"
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Accessibilité : non conforme" in _footer(response.content.decode())
