"""The online user guide and the contextual help of every screen."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import translation
from django.utils.html import escape

from claims import steps
from claims.models import ClaimStatus
from imagin import help as guide
from tests.claims.review_helpers import claim_in, entered
from tests.html import assert_strict_csp_page

# URL names that are not pages (downloads, POST-only actions, redirects and
# allauth pages this site switches off): they need no help link.
NOT_PAGES = {
    "health": "JSON for load balancers and monitoring",
    "session_keep_alive": "POST only: JSON, or redirects back",
    "accounts:rib_download": "download",
    "accounts:language": "POST only, redirects back",
    "missions:convocation_download": "download",
    "claims:pdf": "download",
    "claims:recap": "download",
    "claims:document": "download",
    "claims:statement": "download",
    "claims:submit": "POST only, redirects back",
    "claims:document_add": "POST only, redirects back",
    "admin:accounts_financialfile_rib": "download",
    "admin:accounts_request_approve": "POST only, redirects back",
    "admin:accounts_request_reject": "POST only, redirects back",
    "admin:accounts_request_rib": "download",
    "admin:claims_claim_document": "download",
    "admin:claims_paymentbatch_export": "download",
    "admin:claims_paymentbatch_recap": "download",
    "admin:claims_statements_download": "download",
    "admin:claims_convocationrun_document": "download",
    "admin:login": "redirects to the site's sign-in page",
    "admin:logout": "POST only",
    "admin:jsi18n": "script",
    "admin:view_on_site": "redirect",
    "admin:autocomplete": "JSON",
    "mfa_download_recovery_codes": "download",
    "account_signup": "closed: accounts are created by the division",
    "account_email": "redirects to the profile, where the address is changed",
    "account_email_verification_sent": "switched off",
    "accounts:email_confirmation_resend": "POST only, redirects back",
    "account_request_reauthentication_code": "switched off (no login by code)",
    "account_confirm_reauthentication_code": "switched off (no login by code)",
    "account_confirm_login_code": "switched off (no login by code)",
    "socialaccount_signup": "switched off (automatic sign-up)",
    "socialaccount_connections": "switched off (one provider, no linking)",
}


def _names(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


URL_NAMES = sorted(set(_names(get_resolver().url_patterns)))
GUIDE_PAGES = {"guide", "guide_chapter", "guide_search"}


def _page_names():
    for name in URL_NAMES:
        if name in NOT_PAGES or name in GUIDE_PAGES:
            continue
        if name == "claims:step":
            yield from (
                ("claims:step", {"step": step.identifier}) for step in steps.STEPS
            )
        else:
            yield name, {}


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(("name", "kwargs"), list(_page_names()))
def test_every_screen_names_an_existing_section_of_the_guide(name, kwargs, language):
    """A page added without its help fails here: add it to imagin.help.SCREENS
    (or, if it is not a page, to NOT_PAGES with the reason)."""
    reference = guide.screen_reference(name, kwargs)
    assert reference, f"{name} has no section of the guide in imagin.help.SCREENS"
    with translation.override(language):
        assert guide.section(reference), f"{name}: {reference} is not in the guide"


def test_every_help_entry_is_a_url_name():
    step_names = {f"claims:step:{step.identifier}" for step in steps.STEPS}
    models = {
        f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for model in admin.site._registry
    }
    for name in guide.SCREENS:
        assert name in URL_NAMES or name in step_names or name in models, name
    assert set(NOT_PAGES) <= set(URL_NAMES)


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.images, self.help = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if "data-help-link" in attrs:
                self.help.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))


def _parsed(response) -> _Anchors:
    parser = _Anchors()
    parser.feed(response.content.decode())
    return parser


def _assert_section_exists(client, href: str, headers=None):
    path, _, anchor = href.partition("#")
    match = resolve(path)
    assert match.url_name in GUIDE_PAGES, href
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, href
    assert not anchor or anchor in _parsed(response).ids, href


# ------------------------------------------------------------------ the guide


def test_the_english_guide_has_every_chapter_and_anchor_of_the_french_one():
    french = {c.slug: c for c in guide.chapters("fr")}
    english = {c.slug: c for c in guide.chapters("en")}
    assert set(english) == set(french)
    for slug, chapter in french.items():
        assert (guide.GUIDE_DIR / "en" / f"{slug}.md").exists(), slug
        anchors = [s.anchor for s in chapter.sections]
        assert [s.anchor for s in english[slug].sections] == anchors, slug
        assert len(anchors) == len(set(anchors)), f"{slug}: an anchor is repeated"
        assert english[slug].title != chapter.title, f"{slug}: title not translated"


def test_both_audiences_have_chapters():
    audiences = {chapter.audience for chapter in guide.chapters("fr")}
    assert audiences == set(guide.AUDIENCES)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_guide_renders_and_its_links_and_pictures_resolve(client, language):
    headers = {"accept-language": language}
    index = client.get(reverse("guide"), headers=headers)
    assert index.status_code == 200
    assert_strict_csp_page(index)
    chapters = guide.chapters(language)
    for chapter in chapters:
        assert chapter.url in index.content.decode()
        response = client.get(chapter.url, headers=headers)
        assert response.status_code == 200
        assert_strict_csp_page(response)
        assert escape(chapter.title) in response.content.decode()
        parsed = _parsed(response)
        for section in chapter.sections:
            assert section.anchor in parsed.ids, f"{chapter.slug}#{section.anchor}"
        for href in parsed.links:
            if href.startswith("#") and len(href) > 1:
                assert href[1:] in parsed.ids, f"{chapter.slug}: {href}"
            elif href.startswith("/aide/"):
                _assert_section_exists(client, href, headers)
        for src in parsed.images:
            assert src.startswith("/static/"), src
            assert finders.find(src.removeprefix("/static/")), src


def test_the_guide_source_links_only_to_chapters_and_pictures_that_exist():
    slugs = {chapter.slug for chapter in guide.chapters("fr")}
    for path in guide.GUIDE_DIR.glob("*/*.md"):
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("#", "captures/")):
                continue
            match = re.fullmatch(r"([a-z0-9-]+)\.md(#[a-z0-9-]+)?", target)
            assert match and match[1] in slugs, f"{path.name}: {target}"


def test_an_unknown_chapter_is_a_404(client):
    for slug in ("nimporte-quoi", "connexion.md", "CONNEXION", "x" * 3000):
        assert client.get(f"/aide/{slug}/").status_code == 404, slug


def test_a_chapter_saved_with_windows_line_endings_still_reads(tmp_path):
    source = (guide.GUIDE_DIR / "fr" / "contact.md").read_text(encoding="utf-8")
    copy = tmp_path / "contact.md"
    copy.write_bytes(source.replace("\n", "\r\n").encode())
    chapter = guide._load_chapter(copy)
    assert chapter.title and chapter.section("contact")


def test_a_broken_guide_leaves_pages_working_without_their_help_link(
    client, db, monkeypatch
):
    def broken(*args, **kwargs):
        raise ValueError("front matter missing")

    monkeypatch.setattr(guide, "help_link", broken)
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert "data-help-link" not in response.content.decode()


def test_the_guide_is_open_without_signing_in_and_before_the_first_password(
    client, external_participant
):
    assert client.get(reverse("guide")).status_code == 200
    external_participant.must_change_password = True
    external_participant.save()
    client.force_login(external_participant)
    assert client.get(reverse("guide_chapter", args=["connexion"])).status_code == 200
    assert client.get(reverse("guide_search"), {"q": "mot"}).status_code == 200


# ------------------------------------------------------------------ search


def test_the_search_finds_a_section_by_a_word_in_it(client):
    response = client.get(reverse("guide_search"), {"q": "nuitée"})
    assert response.status_code == 200
    assert_strict_csp_page(response)
    hrefs = _parsed(response).links
    travel = reverse("guide_chapter", args=["etat-de-frais"]) + "#etape-deplacement"
    assert travel in hrefs
    for href in hrefs:
        if href.startswith("/aide/") and "#" in href:
            _assert_section_exists(client, href)


def test_the_search_ignores_accents_and_case():
    with translation.override("fr"):
        accented = [r.section.url for r in guide.search("Nuitée")]
        plain = [r.section.url for r in guide.search("nuitee")]
    assert accented and accented == plain


def test_each_section_is_found_by_its_own_title():
    with translation.override("fr"):
        for chapter in guide.current_chapters():
            for section in chapter.sections:
                found = [r.section for r in guide.search(section.title, limit=100)]
                assert section in found, f"{chapter.slug}#{section.anchor}"


def test_the_search_in_english_searches_the_english_guide(client):
    response = client.get(
        reverse("guide_search"), {"q": "password"}, headers={"accept-language": "en"}
    )
    assert reverse("guide_chapter", args=["connexion"]) in response.content.decode()


@pytest.mark.parametrize(
    "query", ["", "   ", "zzzqqq", "<script>", "\x00", "'; drop", "é" * 5000]
)
def test_the_search_answers_any_query_without_error(client, query):
    response = client.get(reverse("guide_search"), {"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_the_search_answers_bytes_that_are_not_text(client):
    for query in ("q=%FF%FE", "q=a&q=b", "q[]=x", "q=%ED%A0%80"):
        response = client.get(f"{reverse('guide_search')}?{query}")
        assert response.status_code == 200, query


# ------------------------------------------------------------------ each page


def _assert_help_link(client, path: str, headers=None):
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, path
    links = _parsed(response).help
    assert links, f"{path} shows no help link"
    _assert_section_exists(client, links[0], headers)


def test_every_participant_page_links_to_its_section(client, participant, manager):
    claim = entered(claim_in(ClaimStatus.DRAFT, participant, manager), participant)
    submitted = claim_in(ClaimStatus.SUBMITTED, participant, manager)
    session = claim.assignment.mission.exam.session
    client.force_login(participant)
    paths = [
        reverse("home"),
        reverse("accounts:profile"),
        reverse("accounts:financial_file"),
        reverse("missions:declarations"),
        reverse("missions:competences", args=[session.pk]),
        reverse("missions:availability", args=[session.pk]),
        reverse("missions:convocations"),
        reverse("claims:list"),
        reverse("claims:detail", args=[submitted.pk]),
        reverse("claims:not_performed", args=[claim.pk]),
        reverse("account_change_password"),
        reverse("account_logout"),
    ]
    paths += [
        reverse("claims:step", args=[claim.pk, step.identifier])
        for step in steps.steps_for(claim)
    ]
    for path in paths:
        _assert_help_link(client, path)
    _assert_help_link(client, paths[-1], {"accept-language": "en"})


def test_the_public_pages_link_to_their_section(client, db):
    for name in ("home", "account_login", "account_reset_password"):
        _assert_help_link(client, reverse(name))
    _assert_help_link(client, reverse("accounts:request_create"))


def test_every_back_office_page_links_to_its_section(client, participant, manager):
    claim = claim_in(ClaimStatus.SUBMITTED, participant, manager)
    client.force_login(manager)
    paths = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_view_permission(_request_for(manager)):
            info = (model._meta.app_label, model._meta.model_name)
            paths.append(reverse("admin:{}_{}_changelist".format(*info)))
    paths += [
        reverse("admin:claims_claim_change", args=[claim.pk]),
        reverse("admin:missions_mission_import"),
        reverse("admin:missions_mission_assign", args=[claim.assignment.mission_id]),
        reverse("admin:claims_paymentbatch_add"),
        reverse("admin:password_change"),
        reverse("admin:password_change_done"),
    ]
    for path in paths:
        _assert_help_link(client, path)
    _assert_help_link(client, paths[0], {"accept-language": "en"})


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_header_and_footer_open_the_guide_on_every_page(client, participant):
    guide_link = f'href="{reverse("guide")}"'
    for path in (reverse("home"), "/page-qui-n-existe-pas/"):
        body = client.get(path).content.decode()
        header, _, rest = body.partition('role="banner"')[2].partition("</header>")
        footer = body.partition('id="pied-de-page"')[2]
        assert guide_link in header, path
        assert guide_link in footer, path


def test_each_guide_shows_the_screens_in_its_own_language(client, db):
    chapter = reverse("guide_chapter", args=["etat-de-frais"])
    french = _parsed(client.get(chapter, headers={"accept-language": "fr"})).images
    english = _parsed(client.get(chapter, headers={"accept-language": "en"})).images
    assert french and all("/captures/en/" not in src for src in french)
    assert english and all("/captures/en/" in src for src in english)
