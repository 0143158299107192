"""The online user guide ("Aide"): its chapters, its search, and which of its
sections explains which screen.

The guide is Markdown kept in the repository, one file per chapter, in
`imagin/guide/<language>/<slug>.md` (French is the reference; English has the
same slugs and anchors). Each file opens with a front matter block (title,
audience, order, summary) and every heading carries an explicit `{#anchor}`,
so a screen's help link survives a reworded title and works in both languages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from xml.etree import ElementTree

import markdown
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from markdown.treeprocessors import Treeprocessor

GUIDE_DIR = Path(__file__).resolve().parent / "guide"
AUDIENCES = ("participants", "gestionnaires")
# Screenshots are taken by the browser tests (tests/e2e/test_guide_screenshots.py).
SCREENSHOTS_STATIC = "imagin/guide/captures/"

_HEADING = re.compile(r"^(#{2,3})\s+(.+?)\s*\{#([a-z0-9-]+)\}\s*$")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


@dataclass
class Section:
    chapter_slug: str
    chapter_title: str
    anchor: str
    title: str
    level: int
    text: str  # plain text, for the search

    @property
    def url(self) -> str:
        return chapter_url(self.chapter_slug) + "#" + self.anchor

    @cached_property
    def folded(self) -> tuple[str, str]:
        """Title and text as the search compares them (see `_fold`)."""
        return _fold(self.title), _fold(self.text)


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    audience: str
    order: int
    summary: str
    html: str
    sections: tuple[Section, ...]

    @property
    def url(self) -> str:
        return chapter_url(self.slug)

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)


def chapter_url(slug: str) -> str:
    return reverse("guide_chapter", kwargs={"slug": slug})


def screenshot_path(name: str, language: str) -> str:
    """The static path of a screenshot, in `language` where it was taken."""
    localised = f"{SCREENSHOTS_STATIC}{language}/{name}"
    if language != "fr" and (Path(settings.BASE_DIR) / "static" / localised).exists():
        return localised
    return SCREENSHOTS_STATIC + name


class _SiteLinks(Treeprocessor):
    """Turn the guide's file links into site addresses: `x.md#y` into the
    chapter's page, `captures/n.png` into the screenshot's static file (in the
    chapter's language); and give tables the design system's wrapper."""

    def __init__(self, md: markdown.Markdown, language: str) -> None:
        super().__init__(md)
        self.language = language

    def run(self, root: ElementTree.Element) -> None:
        for parent in list(root.iter()):
            for index, element in enumerate(list(parent)):
                if element.tag == "a":
                    href = element.get("href", "")
                    match = re.fullmatch(r"([a-z0-9-]+)\.md(#[a-z0-9-]+)?", href)
                    if match:
                        element.set("href", chapter_url(match[1]) + (match[2] or ""))
                elif element.tag == "img":
                    src = element.get("src", "")
                    if src.startswith("captures/"):
                        path = screenshot_path(src[9:], self.language)
                        element.set("src", static(path))
                        element.set("class", "imagin-guide__capture")
                elif element.tag == "table":
                    wrapper = ElementTree.Element("div", {"class": "fr-table"})
                    parent.remove(element)
                    wrapper.append(element)
                    parent.insert(index, wrapper)


class _SiteLinksExtension(markdown.Extension):
    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (API)
        links = _SiteLinks(md, self.language)
        md.treeprocessors.register(links, "imagin_site_links", 5)


def _front_matter(source: str, path: Path) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(source)
    if not match:
        raise ValueError(f"{path}: the front matter block (---) is missing")
    meta = {}
    for line in match[1].splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    return meta, source[match.end() :]


def _markdown_words(markdown_text: str) -> str:
    """The words of a piece of Markdown, without its markup, for the search."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    # Inline HTML (the English guide's <span lang="fr">): its words only.
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[*_`>|#]+", " ", text)
    return " ".join(text.split())


def _sections(slug: str, title: str, body: str) -> tuple[Section, ...]:
    sections: list[Section] = []
    current: tuple[int, str, str] | None = None
    lines: list[str] = []

    def close() -> None:
        if current:
            level, heading, anchor = current
            sections.append(
                Section(
                    slug,
                    title,
                    anchor,
                    heading,
                    level,
                    _markdown_words("\n".join(lines)),
                )
            )

    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            close()
            current, lines = (len(match[1]), _markdown_words(match[2]), match[3]), []
        else:
            lines.append(line)
    close()
    return tuple(sections)


def _load_chapter(path: Path) -> Chapter:
    source = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    meta, body = _front_matter(source, path)
    slug = path.stem
    html = markdown.markdown(
        body,
        extensions=["extra", "toc", _SiteLinksExtension(path.parent.name)],
        output_format="html",
    )
    return Chapter(
        slug=slug,
        title=meta["title"],
        audience=meta["audience"],
        order=int(meta["order"]),
        summary=meta.get("summary", ""),
        html=html,
        sections=_sections(slug, meta["title"], body),
    )


@cache
def chapters(language: str | None = None) -> tuple[Chapter, ...]:
    """The guide's chapters in reading order, in `language` where it is
    written (French otherwise)."""
    language = language if language in dict(settings.LANGUAGES) else "fr"
    french = {path.stem: path for path in (GUIDE_DIR / "fr").glob("*.md")}
    translated = {path.stem: path for path in (GUIDE_DIR / language).glob("*.md")}
    loaded = [_load_chapter(translated.get(slug, p)) for slug, p in french.items()]
    return tuple(sorted(loaded, key=lambda chapter: (chapter.order, chapter.slug)))


def current_chapters() -> tuple[Chapter, ...]:
    return chapters((get_language() or "fr")[:2])


def chapter(slug: str) -> Chapter | None:
    return next((c for c in current_chapters() if c.slug == slug), None)


def section(reference: str) -> Section | None:
    """The section a "slug#anchor" reference names, if it exists."""
    slug, _, anchor = reference.partition("#")
    found = chapter(slug)
    return found.section(anchor) if found else None


# ------------------------------------------------------------------ search


def _fold(text: str) -> str:
    """Lower case without accents: "Nuitée" and "nuitee" are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class SearchResult:
    section: Section
    excerpt: str


MAX_QUERY_LENGTH = 100


def search(query: str, limit: int = 20) -> list[SearchResult]:
    """Sections holding every word of `query` (accents and case ignored),
    those naming it in their title first."""
    words = [w for w in re.findall(r"\w+", _fold(query[:MAX_QUERY_LENGTH])) if w]
    if not words:
        return []
    scored = []
    for position, found in enumerate(s for c in current_chapters() for s in c.sections):
        title, text = found.folded
        if all(word in title or word in text for word in words):
            in_title = sum(word in title for word in words)
            hits = sum(text.count(word) for word in words)
            scored.append((-in_title, -hits, position, found))
    scored.sort(key=lambda item: item[:3])
    return [SearchResult(s, _excerpt(s.text, words)) for *_, s in scored[:limit]]


def _excerpt(text: str, words: list[str], width: int = 200) -> str:
    """About `width` characters of `text` around the first word found."""
    folded = _fold(text)
    # Folding keeps one character per character for French text, so a
    # position in the folded text is a position in the original.
    start = min((folded.find(w) for w in words if w in folded), default=0)
    if len(folded) != len(text):
        start = 0
    begin = max(0, start - width // 3)
    excerpt = text[begin : begin + width].strip()
    more = begin + width < len(text)
    return ("… " if begin else "") + excerpt + (" …" if more else "")


# ------------------------------------------------------------------ screens

# Which section explains which screen, by URL name. Back-office pages are
# named by model ("admin:claims_claim" covers its list, form and history);
# a page with its own view has its own entry. Claim steps are named with
# their step ("claims:step:service"). A page missing here has no contextual
# help, and tests/test_help.py fails.
SCREENS = {
    "home": "premiers-pas#accueil",
    # The legal pages, linked from every page's footer.
    "legal:accessibility": "premiers-pas#pied-de-page",
    "legal:notice": "premiers-pas#pied-de-page",
    "legal:personal_data": "premiers-pas#pied-de-page",
    "legal:sitemap": "premiers-pas#pied-de-page",
    # Signing in, passwords, two-factor authentication (allauth's pages).
    "account_login": "connexion#se-connecter",
    "account_logout": "connexion#se-deconnecter",
    "account_inactive": "connexion#se-connecter",
    "account_change_password": "connexion#mot-de-passe",
    "account_set_password": "connexion#mot-de-passe",
    "account_reset_password": "connexion#mot-de-passe-oublie",
    "account_reset_password_done": "connexion#mot-de-passe-oublie",
    "account_reset_password_from_key": "connexion#mot-de-passe-oublie",
    "account_reset_password_from_key_done": "connexion#mot-de-passe-oublie",
    # Asked before a new e-mail address (everyone) or a change of two-factor
    # authentication (managers).
    "account_reauthenticate": "mon-compte#adresse-electronique",
    "mfa_index": "connexion#double-authentification",
    "mfa_authenticate": "connexion#double-authentification",
    "mfa_reauthenticate": "connexion#double-authentification",
    "mfa_activate_totp": "connexion#double-authentification",
    "mfa_deactivate_totp": "connexion#double-authentification",
    "mfa_view_recovery_codes": "connexion#double-authentification",
    "mfa_generate_recovery_codes": "connexion#double-authentification",
    "socialaccount_login_error": "connexion#agent",
    "socialaccount_login_cancelled": "connexion#agent",
    "imagin_oidc_login": "connexion#agent",
    "imagin_oidc_callback": "connexion#agent",
    # The participant's pages.
    "accounts:profile": "mon-compte#profil",
    "account_confirm_email": "mon-compte#adresse-electronique",
    "accounts:financial_file": "mon-compte#coordonnees-bancaires",
    "accounts:request_create": "connexion#demande-de-compte",
    "accounts:request_done": "connexion#demande-de-compte",
    "missions:declarations": "declarations#declarations",
    "missions:competences": "declarations#competences",
    "missions:availability": "declarations#disponibilites",
    "missions:convocations": "convocations#lire",
    # The centre head's certificate of service done (guide chapter
    # chef-de-centre).
    "missions:centre_missions": "chef-de-centre#mes-centres",
    "missions:centre_mission": "chef-de-centre#certifier",
    "claims:list": "etat-de-frais#liste",
    "claims:detail": "etat-de-frais#consulter",
    "claims:step:mission": "etat-de-frais#etape-mission",
    "claims:step:service": "etat-de-frais#etape-service",
    "claims:step:deplacement": "etat-de-frais#etape-deplacement",
    "claims:step:recapitulatif": "etat-de-frais#etape-recapitulatif",
    "claims:not_performed": "etat-de-frais#mission-non-effectuee",
    "claims:document_add": "etat-de-frais#justificatifs",
    "claims:statements": "etat-de-frais#attestations",
    # The back-office.
    "admin:index": "gestion#tableau-de-bord",
    "admin:app_list": "gestion#acces",
    "admin:password_change": "connexion#mot-de-passe",
    "admin:password_change_done": "connexion#mot-de-passe",
    "admin:imagin_auditevent": "gestion#journal",
    "admin:auth_group": "gestion#administration",
    "admin:account_emailaddress": "gestion#administration",
    "admin:socialaccount_socialapp": "gestion#administration",
    "admin:socialaccount_socialtoken": "gestion#administration",
    "admin:socialaccount_socialaccount": "gestion#administration",
    "admin:mfa_authenticator": "gestion#administration",
    "admin:dsfr_dsfrconfig": "gestion#administration",
    "admin:django_tasks_database_dbtaskresult": "gestion#administration",
    "admin:accounts_user": "gestion-comptes#utilisateurs",
    "admin:auth_user_password_change": "gestion-comptes#utilisateurs",
    "admin:accounts_user_create_external": "gestion-comptes#intervenants-exterieurs",
    "admin:accounts_user_credentials": "gestion-comptes#mot-de-passe-initial",
    "admin:accounts_commune": "gestion-session#referentiels",
    "admin:accounts_establishment": "gestion-session#referentiels",
    "admin:accounts_financialfile": "gestion-comptes#dossiers-financiers",
    "admin:accounts_externalparticipantrequest": "gestion-comptes#demandes",
    "admin:missions_examsession": "gestion-session#sessions",
    "admin:missions_exam": "gestion-session#examens",
    "admin:missions_discipline": "gestion-session#disciplines",
    "admin:missions_epreuve": "gestion-session#epreuves",
    "admin:missions_centre": "gestion-session#centres",
    "admin:missions_missiontype": "gestion-session#types-de-mission",
    "admin:missions_mission": "gestion-missions#missions",
    "admin:missions_mission_import": "gestion-missions#importer",
    "admin:missions_mission_assign": "gestion-missions#affecter",
    "admin:missions_mission_reinforcements": "gestion-missions#renforts",
    "admin:missions_mission_reinforcements_day": "gestion-missions#renforts",
    # The automatic assignment (missions/admin_auto.py) and the lock of an
    # assignment on the assignment page.
    "admin:missions_mission_auto_start": (
        "gestion-missions#affectation-automatique-lancer"
    ),
    "admin:missions_mission_auto_run": (
        "gestion-missions#affectation-automatique-resultat"
    ),
    "admin:missions_mission_auto_apply": (
        "gestion-missions#affectation-automatique-appliquer"
    ),
    "admin:missions_mission_lock": "gestion-missions#verrouiller",
    "admin:missions_competence": "gestion-missions#declarations",
    "admin:missions_availability": "gestion-missions#declarations",
    "admin:missions_assignment": "gestion-missions#affectations",
    "admin:claims_claim_changelist": "gestion-etats-de-frais#file",
    "admin:claims_claim": "gestion-etats-de-frais#controler",
    "admin:claims_claim_decision": "gestion-etats-de-frais#controler",
    "admin:claims_claim_bulk_approval": "gestion-etats-de-frais#validation-groupee",
    # Work queues: the claims queue's filters saved under a name, followed on
    # the dashboard (the subscription is a POST that redirects back).
    "admin:claims_claim_workqueues": "gestion-etats-de-frais#files-de-travail",
    "admin:claims_claim_workqueue_save": "gestion-etats-de-frais#files-de-travail",
    "admin:claims_claim_workqueue_subscription": (
        "gestion-etats-de-frais#files-de-travail"
    ),
    "admin:claims_claim_workqueue_change": "gestion-etats-de-frais#files-de-travail",
    "admin:claims_claim_workqueue_delete": "gestion-etats-de-frais#files-de-travail",
    # The counts of the on-screen marking platform, compared in the queue's
    # filter before a bulk validation.
    "admin:claims_upstreamcount": "gestion-etats-de-frais#comptages",
    "admin:claims_upstreamcount_import": "gestion-etats-de-frais#comptages-import",
    "admin:claims_upstreamcount_example": "gestion-etats-de-frais#comptages-import",
    "admin:claims_paymentbatch": "gestion-paiement#lots",
    "admin:claims_paymentbatch_add": "gestion-paiement#constituer",
    "admin:claims_paymentbatch_cancel": "gestion-paiement#annuler-un-lot",
    "admin:claims_paymentbatch_paid": "gestion-paiement#payer",
    "admin:claims_statements": "gestion-paiement#attestations",
    "admin:claims_statements_progress": "gestion-paiement#attestations",
    "admin:claims_ratetable": "gestion-session#taux",
    "admin:claims_convocationrun": "gestion-convocations#campagnes",
    "admin:claims_convocationrun_cancel": "gestion-convocations#annuler",
    # A list's exports (imagin/admin_export.py): the file, the progress page of
    # a large one and its download, explained in gestion#exporter.
    "admin:claims_claim_export": "gestion#exporter",
    "admin:claims_claim_export_progress": "gestion#exporter",
    "admin:claims_claim_export_download": "gestion#exporter",
    "admin:missions_mission_export": "gestion#exporter",
    "admin:missions_mission_export_progress": "gestion#exporter",
    "admin:missions_mission_export_download": "gestion#exporter",
    "admin:missions_assignment_export": "gestion#exporter",
    "admin:missions_assignment_export_progress": "gestion#exporter",
    "admin:missions_assignment_export_download": "gestion#exporter",
    "admin:accounts_user_export": "gestion#exporter",
    "admin:accounts_user_export_progress": "gestion#exporter",
    "admin:accounts_user_export_download": "gestion#exporter",
    "admin:imagin_auditevent_export": "gestion#exporter",
    "admin:imagin_auditevent_export_progress": "gestion#exporter",
    "admin:imagin_auditevent_export_download": "gestion#exporter",
    # The reference data's imports (imagin/admin_import.py): the page and its
    # example files, explained with the list they fill.
    "admin:accounts_commune_import": "gestion-session#importer-communes",
    "admin:accounts_commune_import_example": "gestion-session#importer-communes",
    "admin:accounts_establishment_import": "gestion-session#importer-etablissements",
    "admin:accounts_establishment_import_example": (
        "gestion-session#importer-etablissements"
    ),
    "admin:missions_centre_import": "gestion-session#importer-centres",
    "admin:missions_centre_import_example": "gestion-session#importer-centres",
    "admin:missions_exam_import": "gestion-session#importer-examens",
    "admin:missions_exam_import_example": "gestion-session#importer-examens",
    "admin:missions_competence_import": "gestion-session#importer-intervenants",
    "admin:missions_competence_import_example": "gestion-session#importer-intervenants",
}
# The suffixes the admin gives a model's own pages.
_ADMIN_PAGES = re.compile(r"_(changelist|add|change|delete|history)$")


def screen_reference(view_name: str, kwargs: dict) -> str | None:
    """The "slug#anchor" of the section explaining the page `view_name`."""
    if "step" in kwargs and f"{view_name}:{kwargs['step']}" in SCREENS:
        return SCREENS[f"{view_name}:{kwargs['step']}"]
    if view_name in SCREENS:
        return SCREENS[view_name]
    if view_name.startswith("admin:"):
        return SCREENS.get(_ADMIN_PAGES.sub("", view_name))
    return None


@dataclass(frozen=True)
class HelpLink:
    url: str
    title: str


def help_link(view_name: str, kwargs: dict) -> HelpLink | None:
    reference = screen_reference(view_name, kwargs)
    found = section(reference) if reference else None
    return HelpLink(found.url, found.title) if found else None
