"""The dashboard on the back-office home: the session's claims per status
with their amounts, those waiting and the oldest, missions to staff, the
daily chart; and the same number of queries at 10 and 1 000 claims."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.dashboard import Chart, ChartDay, current_session, dashboard
from claims.models import ClaimStatus
from tests import factories
from tests.claims.entry_helpers import page_text
from tests.claims.review_helpers import claim_in
from tests.claims.volume import many_claims
from tests.html import assert_strict_csp_page

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")
HOME = reverse("admin:index")


@pytest.fixture
def session(db):
    return factories.ExamSessionFactory()


def in_session(session, status, participant, manager):
    exam = factories.ExamFactory(session=session)
    return claim_in(status, participant, manager, exam=exam)


def test_the_dashboard_counts_the_session_claims_and_their_amounts(
    client, session, participant, external_participant, manager
):
    oldest = in_session(session, S.SUBMITTED, participant, manager)
    in_session(session, S.SUBMITTED, external_participant, manager)
    in_session(session, S.APPROVED, participant, manager)
    in_session(session, S.DRAFT, participant, manager)
    claim_in(S.SUBMITTED, participant, manager)  # another session
    client.force_login(manager)
    response = client.get(HOME + f"?session={session.pk}")
    assert_strict_csp_page(response)
    board = response.context["dashboard"]
    figures = {f.status: (f.count, f.amount) for f in board.statuses}
    assert figures[S.SUBMITTED] == (2, None)
    assert figures[S.APPROVED] == (1, 200)
    assert figures[S.DRAFT] == (1, None)
    assert board.waiting == 2 and board.oldest_waiting == oldest
    text = page_text(response)
    assert "Tableau de bord" in text and session.name in text
    assert "200,00" in text
    assert f"n° {oldest.pk}" in text


def test_missions_not_fully_staffed_are_listed_with_a_link_to_assign(
    client, session, participant, manager
):
    exam = factories.ExamFactory(session=session)
    short = factories.MissionFactory(exam=exam, staffing_need=3)
    factories.AssignmentFactory(mission=short, participant=participant)
    full = factories.MissionFactory(exam=exam, staffing_need=1)
    factories.AssignmentFactory(mission=full)
    client.force_login(manager)
    response = client.get(HOME + f"?session={session.pk}")
    board = response.context["dashboard"]
    assert board.understaffed_count == 1
    assert board.understaffed == [short]
    assert reverse("admin:missions_mission_assign", args=[short.pk]) in (
        response.content.decode()
    )
    listed = client.get(
        reverse("admin:missions_mission_changelist")
        + f"?pourvue=non&exam__session__id__exact={session.pk}"
    )
    assert [m.pk for m in listed.context["cl"].result_list] == [short.pk]


def test_the_chart_is_a_picture_with_its_figures_in_a_table(
    client, session, participant, manager
):
    in_session(session, S.APPROVED, participant, manager)
    client.force_login(manager)
    response = client.get(HOME + f"?session={session.pk}")
    html = response.content.decode()
    assert '<svg class="imagin-chart"' in html and 'role="img"' in html
    assert 'class="submitted"' in html and 'class="approved"' in html
    today = response.context["dashboard"].chart.days[-1]
    assert today.day == timezone.localdate()
    assert (today.submitted, today.approved) == (1, 1)
    assert "Les chiffres du graphique" in page_text(response)


def test_the_chart_scales_its_bars_to_the_busiest_day():
    first = date(2027, 7, 1)
    chart = Chart([ChartDay(first + timedelta(days=n), n, 0) for n in range(5)])
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert chart.peak == 4
    assert tallest.y == 10 and tallest.label == "05/07 : 4"
    assert all(bar.height == 0 for bar in chart.bars if bar.kind == "approved")


def test_the_current_session_is_the_next_deadline_else_the_latest(db):
    today = date(2027, 7, 1)
    past = factories.ExamSessionFactory(claim_deadline=date(2027, 1, 1))
    soon = factories.ExamSessionFactory(claim_deadline=date(2027, 8, 31))
    later = factories.ExamSessionFactory(claim_deadline=date(2028, 8, 31))
    assert current_session([later, soon, past], today) == soon
    assert current_session([past], today) == past
    assert current_session([], today) is None


def test_without_any_session_the_home_page_says_what_to_do(client, manager):
    client.force_login(manager)
    assert "Aucune session pour l'instant" in page_text(client.get(HOME))
    assert dashboard().statuses == []


def test_a_wrong_session_in_the_address_shows_the_current_one(client, session, manager):
    client.force_login(manager)
    for query in ("?session=abc", "?session=99999", "?session="):
        response = client.get(HOME + query)
        assert response.status_code == 200
        assert response.context["dashboard"].session == session


def test_the_dashboard_costs_a_fixed_number_of_queries(
    client, manager, session, django_assert_max_num_queries
):
    client.force_login(manager)
    many_claims(10, manager, session=session)
    # Once per session, not per page: the session's refresh stamp.
    client.get(HOME)
    with django_assert_max_num_queries(40) as small:
        assert client.get(HOME).status_code == 200
    many_claims(1000, manager, session=session)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert client.get(HOME).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
