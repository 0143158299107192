"""The participant's claim list, paginated: twenty claims a page, newest
mission first, the session filter kept, no address that fails."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from claims import selectors, services
from claims.models import Meal, Trip
from claims.models.claim import PRICED, Claim
from claims.money import format_money
from claims.templatetags.mission_dates import mission_days
from claims.views.pages import CLAIMS_PER_PAGE, _pages_list
from tests.claims.entry_helpers import convoke
from tests.claims.review_helpers import S, claim_in, submitted
from tests.html import assert_strict_csp_page
from tests.participant_volume import past_claims

pytestmark = pytest.mark.usefixtures("without_travel")

LIST = reverse("claims:list")


def _opened(response) -> list[int]:
    """The claim numbers the page lists, in order."""
    return [int(n) for n in re.findall(r"état de frais n° (\d+)", page(response))]


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def history(participant, manager):
    """An open claim and 44 older ones: three pages (20, 20, 5)."""
    newest = convoke(participant, manager)
    return [newest.pk] + [claim.pk for claim in past_claims(participant, manager, 44)]


def test_the_list_shows_twenty_claims_a_page_newest_mission_first(signed_in, history):
    assert CLAIMS_PER_PAGE == 20
    first = signed_in.get(LIST)
    assert _opened(first) == history[:20]
    assert _opened(signed_in.get(LIST, {"page": 2})) == history[20:40]
    last = signed_in.get(LIST, {"page": 3})
    assert _opened(last) == history[40:]
    text = page(first)
    assert "45 états de frais — page 1 sur 3" in text
    # The DSFR component, in French, pointing at the other pages.
    assert 'class="fr-pagination"' in text
    for label in ("Première page", "Page précédente", "Page suivante", "Dernière page"):
        assert label in text
    assert 'aria-current="page"' in text and 'href="?page=2"' in text


def test_a_page_past_the_end_shows_the_last_and_garbage_the_first(signed_in, history):
    past_the_end = signed_in.get(LIST, {"page": 999})
    assert past_the_end.status_code == 200
    assert _opened(past_the_end) == history[40:]
    for garbage in ("abc", "-1", "0", "1e3", "2.5", ""):
        response = signed_in.get(LIST, {"page": garbage})
        assert response.status_code == 200, garbage
        expected = history[40:] if garbage in ("-1", "0") else history[:20]
        assert _opened(response) == expected, garbage


def test_the_pages_of_one_session_keep_the_filter_in_their_links(
    signed_in, participant, history
):
    session = (
        selectors.participant_claims(participant)
        .get(pk=history[1])
        .assignment.mission.exam.session
    )
    of_session = list(
        selectors.participant_claims(participant, session.pk).values_list(
            "pk", flat=True
        )
    )
    assert len(of_session) > CLAIMS_PER_PAGE
    response = signed_in.get(LIST, {"session": session.pk, "page": 2})
    assert _opened(response) == of_session[20:40]
    # Counted with the sessions (one query), the session's claims only.
    pages = -(-len(of_session) // CLAIMS_PER_PAGE)
    assert f"{len(of_session)} états de frais — page 2 sur {pages}" in page(response)
    links = re.findall(
        r'class="fr-pagination__link[^"]*"[^>]*href="([^"]+)"', page(response)
    )
    assert links and all(f"session={session.pk}" in link for link in links), links


def test_only_the_claims_of_the_page_not_yet_validated_are_priced(
    signed_in, history, monkeypatch
):
    priced = []
    real = selectors.claim_amounts

    def counting(claim, *args, **kwargs):
        priced.append(claim.pk)
        return real(claim, *args, **kwargs)

    monkeypatch.setattr(selectors, "claim_amounts", counting)
    signed_in.get(LIST, {"page": 3})
    validated = set(
        Claim.objects.filter(pk__in=history[40:], status__in=PRICED).values_list(
            "pk", flat=True
        )
    )
    # The page has both: validated claims show their frozen total unpriced.
    assert validated and set(history[40:]) - validated
    assert priced == [pk for pk in history[40:] if pk not in validated]


def test_a_short_list_has_no_pagination(signed_in, convoked_claim):
    assert "fr-pagination" not in page(signed_in.get(LIST))


def test_the_paginated_list_runs_under_the_strict_csp(signed_in, history):
    assert "fr-pagination" in assert_strict_csp_page(signed_in.get(LIST, {"page": 2}))


@pytest.mark.parametrize(
    ("number", "pages", "shown"),
    [
        (1, 2, [1, 2]),
        (1, 3, [1, 2, 3]),
        (3, 5, [1, 2, 3, 4, 5]),
        (1, 42, [1, 2, "…", 41, 42]),
        (17, 42, [1, 2, "…", 16, 17, 18, "…", 41, 42]),
        (4, 42, [1, 2, 3, 4, 5, "…", 41, 42]),
        (40, 42, [1, 2, "…", 39, 40, 41, 42]),
    ],
)
def test_the_page_numbers_keep_the_ends_and_the_neighbours_in_order(
    number, pages, shown
):
    page_obj = SimpleNamespace(
        number=number, paginator=SimpleNamespace(num_pages=pages)
    )
    assert _pages_list(page_obj) == shown


def _card(response, claim_pk: int) -> str:
    """The claim's card in the list."""
    for card in re.findall(r'<li class="fr-card.*?</li>', page(response), re.S):
        if f"état de frais n° {claim_pk}<" in card:
            return card
    raise AssertionError(f"claim {claim_pk} is not listed")


def _amount_shown(response, claim_pk: int) -> str:
    """The amount on the claim's card ("Montant : …")."""
    return re.findall(r"Montant : (.*?)</p>", _card(response, claim_pk), re.S)[0]


def test_a_validated_claim_shows_the_total_of_its_frozen_lines(
    signed_in, participant, manager, convoked_claim
):
    """The list reads a validated claim's total on the claim, not from its
    lines: both are written by the same validation, and agree."""
    Claim.objects.filter(pk=convoked_claim.pk).update(has_travel_part=True)
    claim = submitted(Claim.objects.get(pk=convoked_claim.pk), participant, copies=37)
    day = timezone.localdate(claim.assignment.mission.starts_at)
    Trip.objects.create(
        claim=claim, date=day, mode="car", fiscal_horsepower=5, kilometres=63
    )
    Meal.objects.create(claim=claim, date=day)
    approved = services.claim_approve(
        claim=selectors.claims_for_pricing().get(pk=claim.pk), by=manager
    )
    closed = claim_in(S.CLOSED, participant, manager)
    estimated = claim_in(S.SUBMITTED, participant, manager)

    response = signed_in.get(LIST)

    lines = selectors.claim_amounts(selectors.claims_for_pricing().get(pk=approved.pk))
    assert lines.lines and any(line.is_travel for line in lines.lines)
    assert lines.total == approved.total_amount
    assert _amount_shown(response, approved.pk) == format_money(lines.total, "EUR")
    assert _amount_shown(response, closed.pk) == format_money(Decimal(0), "EUR")
    live = selectors.claim_amounts(selectors.claims_for_pricing().get(pk=estimated.pk))
    estimate = " (estimation)"
    assert _amount_shown(response, estimated.pk) == (
        format_money(live.total, "EUR") + estimate
    )


# The dates the template's filters showed before `mission_days` took their
# place; in local time (Europe/Paris), as the filters read them.
DATES_BY_FILTERS = Template(
    '{{ m.starts_at|date:"j F Y" }}{% if m.ends_at|date:"Ymd" != '
    'm.starts_at|date:"Ymd" %} – {{ m.ends_at|date:"j F Y" }}{% endif %}'
)


@pytest.mark.parametrize(
    ("starts", "ends", "shown"),
    [
        ("2027-06-03 06:00", "2027-06-03 14:00", "3 juin 2027"),
        ("2027-06-03 06:00", "2027-06-05 14:00", "3 juin 2027 – 5 juin 2027"),
        # UTC the same day, two days in Paris.
        ("2027-06-03 21:30", "2027-06-03 22:30", "3 juin 2027 – 4 juin 2027"),
        # UTC two days, one day in Paris.
        ("2027-06-03 22:30", "2027-06-04 00:30", "4 juin 2027"),
    ],
)
def test_the_days_of_a_mission_read_as_the_date_filters_did(starts, ends, shown):
    def utc(text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    mission = SimpleNamespace(starts_at=utc(starts), ends_at=utc(ends))
    with translation.override("fr"):
        assert mission_days(mission) == shown
        assert DATES_BY_FILTERS.render(Context({"m": mission})) == shown


def test_the_recap_pdf_s_dates_read_as_its_filters_did():
    """`mission_days:"j/m/Y"`, as the session recap PDF writes a mission's days."""
    shown_by_filters = Template(
        '{{ m.starts_at|date:"j/m/Y" }}{% if m.ends_at|date:"Ymd" != '
        'm.starts_at|date:"Ymd" %} – {{ m.ends_at|date:"j/m/Y" }}{% endif %}'
    )
    for starts, ends in [
        ("2027-06-03 06:00", "2027-06-05 14:00"),
        ("2027-06-03 21:30", "2027-06-03 22:30"),
        ("2027-06-03 22:30", "2027-06-04 00:30"),
    ]:
        mission = SimpleNamespace(
            starts_at=datetime.fromisoformat(starts).replace(tzinfo=UTC),
            ends_at=datetime.fromisoformat(ends).replace(tzinfo=UTC),
        )
        expected = shown_by_filters.render(Context({"m": mission}))
        assert mission_days(mission, "j/m/Y") == expected


def test_each_card_links_its_title_and_says_the_status_and_the_next_step(
    signed_in, participant, manager, convoked_claim
):
    returned = claim_in(S.RETURNED, participant, manager)
    waiting = claim_in(S.SUBMITTED, participant, manager)
    paid = claim_in(S.PAID, participant, manager)
    response = signed_in.get(LIST)

    open_card = _card(response, convoked_claim.pk)
    mission = convoked_claim.assignment.mission
    title = re.search(r'<h3 class="fr-card__title"><a href="([^"]+)">', open_card)
    detail = reverse("claims:detail", args=[convoked_claim.pk])
    assert title and title.group(1) == detail
    assert mission.mission_type.name in open_card
    assert "fr-badge--warning" in open_card
    deadline = mission.exam.session.claim_deadline
    with translation.override("fr"):
        assert f"À saisir et à valider avant le {date_format(deadline)}" in open_card
    assert "À corriger, puis à valider de nouveau" in _card(response, returned.pk)
    assert "fr-badge--error" in _card(response, returned.pk)
    assert "En cours de vérification par la division" in _card(response, waiting.pk)
    paid_card = _card(response, paid.pk)
    assert "fr-badge--success" in paid_card and "Payé" in paid_card
    assert "fr-icon-arrow-right-line" not in paid_card  # nothing left to do
