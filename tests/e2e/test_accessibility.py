"""Every participant page, on a phone and on a wide screen, checked by
axe-core (WCAG 2.1 A and AA rules): no violation, and no sideways scrolling
at 375 px.

axe-core comes from npm (tests/accessibility/package.json, installed by
`make test`); without it these tests are skipped, except in CI, where they
fail. The site's Content-Security-Policy forbids the injected script, so the
browser context is told to bypass it, for these tests only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[1] / "accessibility/node_modules/axe-core"
WIDTHS = (375, 1280)


@pytest.fixture
def axe_source() -> str:
    script = AXE / "axe.min.js"
    if not script.exists():
        message = "axe-core absent (make test l'installe avec npm) : tests ignorés."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return script.read_text()


@pytest.fixture
def teacher_pages(transactional_db, migrations_data_present) -> list[str]:
    """The demo teacher's pages: an open claim's steps, a submitted claim,
    the lists, the account."""
    from claims.models import Claim, ClaimStatus
    from missions.models import ExamSession

    call_command("seed_demo", verbosity=0)
    claims = Claim.objects.filter(assignment__participant__username="enseignant")
    open_claim = claims.filter(status=ClaimStatus.DRAFT).order_by("pk").first()
    decided = claims.exclude(status=ClaimStatus.DRAFT).order_by("pk").first()
    assert open_claim and decided, "the demo teacher has an open and a sent claim"
    steps = [
        f"/mes-etats-de-frais/{open_claim.pk}/etape/{step}/"
        for step in ("mission", "service", "deplacement", "recapitulatif")
    ]
    # The declarations of the sessions still open: competences, then the
    # availability page with the wishes (maximum, preferred centres).
    declarations = [
        reverse(f"missions:{page}", args=[session.pk])
        for session in ExamSession.objects.all()
        if session.declarations_open
        for page in ("competences", "availability")
    ]
    assert declarations, "the demo has a session open to declarations"
    return [
        "/",
        "/mes-etats-de-frais/",
        *steps,
        f"/mes-etats-de-frais/{open_claim.pk}/non-effectuee/",
        f"/mes-etats-de-frais/{decided.pk}/",
        "/mes-convocations/",
        "/mes-declarations/",
        *declarations,
        "/mon-compte/profil/",
        "/mon-compte/dossier-financier/",
        "/mes-etats-de-frais/attestations/",
        "/aide/",
        # The legal pages the footer links to.
        "/accessibilite/",
        "/mentions-legales/",
        "/donnees-personnelles/",
        "/plan-du-site/",
    ]


def _violations(page, source: str) -> list[str]:
    page.add_script_tag(content=source)
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
    ]


def test_participant_pages_have_no_axe_violation_and_fit_a_phone(
    browser, live_server, teacher_pages, axe_source
):
    context = browser.new_context(
        locale="fr-FR",
        base_url=live_server.url,
        bypass_csp=True,  # axe-core is injected inline
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # The harness finds what it should: an image without a text.
        page.set_content('<html lang="fr"><title>t</title><img src="x.png"></html>')
        assert any(v.startswith("image-alt") for v in _violations(page, axe_source))
        page.goto("/comptes/login/")
        page.get_by_label("Identifiant").fill("enseignant")
        page.get_by_label("Mot de passe").fill("demo-enseignant-2027")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(re.compile(r".*/$"))
        found = {}
        for width, path in ((w, p) for w in WIDTHS for p in teacher_pages):
            page.set_viewport_size({"width": width, "height": 800})
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            problems = _violations(page, axe_source)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 0:
                problems.append(f"scrolls sideways by {overflow} px")
            if problems:
                found[f"{path} at {width} px"] = problems
        assert not found, found
    finally:
        context.close()
