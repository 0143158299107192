"""The DSFR's error pattern on every participant form (RGAA 11.10, 11.11,
8.6): after a failed submit, the form opens with a summary of its errors,
each a link to its field; the page's title starts with "Erreur : "; each
field in error is aria-invalid and described by its hint and its message; a
group of radios carries its error on its fieldset."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from claims.models import Claim
from tests import factories
from tests.claims.entry_helpers import convoke, post_step, step_url
from tests.claims.test_hostile_travel import travel_line
from tests.html import INLINE_SCRIPT
from tests.html_tree import Element, assert_field_in_error, error_summary, parse


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()


def _title(page: Element) -> str:
    title = page.find("title")
    assert title is not None
    return title.text


def _failed(response) -> Element:
    """A failed submit: shown again (never a 500), no inline script, its
    title saying so, its summary first in the form, focused by the script."""
    assert response.status_code in (200, 400), response.status_code
    assert not INLINE_SCRIPT.search(response.content.decode())
    page = parse(response)
    assert _title(page).startswith("Erreur : "), _title(page)
    summary = error_summary(page)
    assert summary.get("tabindex") == "-1"
    assert "fr-alert--error" in summary.classes
    form = next(a for a in summary.ancestors() if a.tag == "form")
    first = next(e for e in form.iter() if e.tag not in ("input",))
    assert first is summary, first.tag
    heading = summary.find("h2", class_="fr-alert__title")
    count = len(summary.find_all("li"))
    assert heading is not None and heading.text.startswith(
        f"Le formulaire contient {count} erreur"
    ), heading and heading.text
    scripts = [s.get("src") for s in page.find_all("script")]
    assert any(src.endswith("imagin/error-summary.js") for src in scripts), scripts
    return page


def _links(page: Element) -> list[str]:
    return [a.text for a in error_summary(page).find_all("a")]


@pytest.fixture
def signed_in(client, participant, settings):
    settings.TRAVEL_ENABLED = False
    client.force_login(participant)
    return client


def test_the_mission_step_tells_an_unanswered_question_on_its_fieldset(
    signed_in, participant, manager
):
    claim = convoke(participant, manager)
    page = _failed(post_step(signed_in, claim, "mission"))
    fieldset = assert_field_in_error(page, "id_performed")
    assert fieldset.tag == "fieldset"
    assert _links(page) == [
        "Mission effectuée : Indiquez si vous avez effectué la mission."
    ]
    messages = page.by_id("id_performed-messages")
    assert messages.text == "Indiquez si vous avez effectué la mission."
    # Both choices are marked invalid, and the question is still asked.
    assert len(fieldset.find_all("input", type="radio", aria_invalid="true")) == 2
    # Answered, the step has no error any more.
    signed_in.get(step_url(claim, "mission"))
    assert not parse(signed_in.get(step_url(claim, "mission"))).find_all(
        data_error_summary=True
    )


def test_the_service_step_links_each_wrong_quantity(signed_in, participant, manager):
    claim = convoke(participant, manager)
    post_step(signed_in, claim, "mission", performed="yes")
    page = _failed(post_step(signed_in, claim, "service", copies_declared="-3"))
    assert_field_in_error(page, "id_copies_declared")
    assert _links(page) == [
        "Nombre de copies corrigées : Le nombre ne peut pas être négatif."
    ]
    # The hint is read with the error (it used to drop out).
    described = page.by_id("id_copies_declared").get("aria-describedby").split()
    assert described == ["id_copies_declared_helptext", "id_copies_declared-messages"]


def test_a_step_without_errors_has_no_summary_and_a_plain_title(
    signed_in, participant, manager
):
    claim = convoke(participant, manager)
    page = parse(signed_in.get(step_url(claim, "mission")))
    assert not page.find_all(data_error_summary=True)
    assert not _title(page).startswith("Erreur")
    assert page.by_id("id_performed").get("aria-labelledby") == "id_performed-legend"


def test_the_profile_form_links_a_wrong_address(signed_in):
    response = signed_in.post(
        reverse("accounts:profile"), {"email": "pas-une-adresse", "phone": ""}
    )
    page = _failed(response)
    assert_field_in_error(page, "id_email")
    described = page.by_id("id_email").get("aria-describedby").split()
    assert described == ["id_email_helptext", "id_email-messages"]


def test_the_bank_details_form_links_each_error(signed_in):
    response = signed_in.post(
        reverse("accounts:financial_file"),
        {"holder": "", "iban": "FR00 1234", "bic": "agrifrpp"},
    )
    page = _failed(response)
    for field in ("id_holder", "id_iban", "id_rib_document"):
        assert_field_in_error(page, field)
    summary = error_summary(page)
    assert len(summary.find_all("a")) == len(summary.find_all("li"))


def test_the_external_request_form_links_its_radios_checkbox_and_fields(client, db):
    response = client.post(
        reverse("accounts:request_create"),
        factories.request_form_data(category="", iban="FR00 1234", consent=""),
    )
    page = _failed(response)
    category = assert_field_in_error(page, "id_category")
    assert category.tag == "fieldset"
    assert_field_in_error(page, "id_iban")
    consent = assert_field_in_error(page, "id_consent")
    assert consent.get("type") == "checkbox"
    # The summary follows the form's order.
    targets = [a.get("href") for a in error_summary(page).find_all("a")]
    assert targets.index("#id_category") < targets.index("#id_iban")
    assert targets.index("#id_iban") < targets.index("#id_consent")


def test_a_failed_sign_in_is_in_the_summary_without_a_link(client, db):
    factories.UserFactory(username="jpetit")
    response = client.post(
        reverse("account_login"), {"login": "jpetit", "password": "pas le bon"}
    )
    assert response.status_code == 200
    page = parse(response)
    summary = error_summary(page)
    items = summary.find_all("li")
    assert items and not summary.find_all("a")
    assert "incorrect" in items[0].text


def test_the_sign_in_form_links_a_missing_field(client, db):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    page = parse(response)
    assert_field_in_error(page, "id_login")
    assert_field_in_error(page, "id_password")


def test_the_password_form_links_a_wrong_current_password(client, participant):
    client.force_login(participant)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pas le bon", "password1": "x", "password2": "y"},
    )
    page = parse(response)
    assert_field_in_error(page, "id_oldpassword")


def test_the_declarations_link_a_choice_from_elsewhere(signed_in, participant):
    session = factories.ExamSessionFactory()
    factories.MissionFactory(exam__session=session)
    for name, field, value in (
        ("missions:availability", "half_days", "1999-01-01:am"),
        ("missions:competences", "epreuves", "999999"),
    ):
        response = signed_in.post(reverse(name, args=[session.pk]), {field: value})
        page = _failed(response)
        assert_field_in_error(page, f"id_{field}")
        assert [a.get("href") for a in error_summary(page).find_all("a")] == [
            f"#id_{field}"
        ]


def test_the_not_performed_confirmation_links_a_too_long_comment(
    signed_in, participant, manager
):
    claim = convoke(participant, manager)
    response = signed_in.post(
        reverse("claims:not_performed", args=[claim.pk]),
        {"version": claim.version, "comment": "x" * 2001},
    )
    page = _failed(response)
    assert_field_in_error(page, "id_comment")
    described = page.by_id("id_comment").get("aria-describedby").split()
    assert described == ["id_comment_helptext", "id_comment-messages"]


def test_the_travel_step_links_the_fields_of_its_lines(
    client, participant, manager, settings
):
    """The summary of a step with formsets (the travel step's lines): each
    wrong value links to its line's field."""
    settings.TRAVEL_ENABLED = True
    client.force_login(participant)
    claim = convoke(participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    post_step(client, claim, "mission", performed="yes")
    post_step(client, claim, "service", copies_declared="42")
    response = post_step(
        client,
        claim,
        "deplacement",
        **travel_line(
            **{
                "trajets-0-date": "pas une date",
                "trajets-0-origin": "Rouen",
                "trajets-0-destination": "Caen",
                "trajets-0-kilometres": "-4",
            }
        ),
    )
    page = _failed(response)
    targets = [a.get("href") for a in error_summary(page).find_all("a")]
    assert "#id_trajets-0-date" in targets, targets
    for target in targets:
        assert_field_in_error(page, target[1:])
