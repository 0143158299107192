"""The claims a work queue counts: « renvoyés depuis plus de N jours » read
from the last send-back, and the dashboard's count of each followed queue,
the same as the queue page lists, whatever the filters."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.admin import FieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import services
from claims.admin import queue_query
from claims.models import Claim, ClaimStatus, UpstreamCount, WorkQueue
from tests import factories
from tests.claims.entry_helpers import page_text
from tests.claims.review_helpers import claim_in
from tests.html import assert_strict_csp_page

S = ClaimStatus
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_travel")]
QUEUE = reverse("admin:claims_claim_changelist")
HOME = reverse("admin:index")


def listed(client, query: str) -> set[int]:
    """The claims the queue page lists for `query` (all pages)."""
    response = client.get(f"{QUEUE}?{query}")
    assert response.status_code == 200, query
    changelist = response.context["cl"]
    return set(changelist.queryset.values_list("pk", flat=True))


@contextmanager
def days_ago(monkeypatch, days: int):
    """Services run inside as if `days` days ago (their audit events' date)."""
    past = timezone.now() - timedelta(days=days)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: past)
        yield


def returned(participant, manager, monkeypatch, days: int):
    with days_ago(monkeypatch, days):
        return claim_in(S.RETURNED, participant, manager)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_returned_since_counts_the_claims_still_sent_back_after_n_days(
    manager_client, participant, manager, monkeypatch
):
    ten_days = returned(participant, manager, monkeypatch, 10)
    twenty_days = returned(participant, manager, monkeypatch, 20)
    returned(participant, manager, monkeypatch, 2)
    # Sent back long ago, submitted again since: no longer waiting for them.
    again = returned(participant, manager, monkeypatch, 30)
    services.claim_submit(claim=again, by=participant, version=again.version)
    # Sent back long ago, cancelled, restored to « renvoyé » yesterday.
    restored = returned(participant, manager, monkeypatch, 30)
    restored = services.claim_cancel(claim=restored, by=manager, reason="Doublon")
    with days_ago(monkeypatch, 1):
        services.claim_restore(claim=restored, by=manager, reason="Erreur")
    claim_in(S.SUBMITTED, participant, manager)
    assert listed(manager_client, "renvoye_depuis=7") == {ten_days.pk, twenty_days.pk}
    assert listed(manager_client, "renvoye_depuis=14") == {twenty_days.pk}
    assert listed(manager_client, "renvoye_depuis=30") == set()
    # An unknown value filters nothing, as the queue's other filters.
    assert len(listed(manager_client, "renvoye_depuis=nimporte")) == 6


@pytest.fixture
def claims(participant, external_participant, manager, monkeypatch):
    """Claims each built-in queue counts, and some none does."""
    made = {
        "old_return": returned(participant, manager, monkeypatch, 9),
        "new_return": returned(external_participant, manager, monkeypatch, 1),
        "ready": claim_in(S.SUBMITTED, participant, manager),
        "counted": claim_in(S.SUBMITTED, external_participant, manager),
        "approved": claim_in(S.APPROVED, participant, manager),
        "draft": claim_in(S.DRAFT, participant, manager),
    }
    counted = made["counted"]
    UpstreamCount.objects.create(
        participant=counted.assignment.participant,
        mission=counted.assignment.mission,
        copies=30,  # 40 declared
        imported_at=timezone.now(),
    )
    ready = made["ready"]
    ready.plausibility_codes = ",volume,"
    ready.save(update_fields=["plausibility_codes"])
    return made


def test_the_dashboard_counts_each_followed_queue_as_its_page_lists_it(
    manager_client, manager, claims
):
    builtin = list(WorkQueue.objects.exclude(key="").order_by("pk"))
    mine = services.work_queue_create(
        name="Prêts de Durand",
        query="a_traiter=valider&q=Durand",
        shared=False,
        subscribe=True,
        by=manager,
    )
    for queue in builtin:
        services.work_queue_subscribe(queue=queue, by=manager)
    response = manager_client.get(HOME)
    assert_strict_csp_page(response)
    figures = {figure.queue.pk: figure for figure in response.context["work_queues"]}
    expected = {
        "renvoyes": {claims["old_return"].pk},
        "ecarts": {claims["counted"].pk},
        "valider": {claims["ready"].pk, claims["counted"].pk},
        "points": {claims["ready"].pk},
        "paiement": {claims["approved"].pk},
    }
    for queue in builtin:
        figure = figures[queue.pk]
        assert figure.count == len(expected[queue.key]), queue.key
        assert figure.url == f"{QUEUE}?{queue.query}&file={queue.pk}"
        assert listed(manager_client, queue.query) == expected[queue.key]
    assert figures[mine.pk].count == 1  # Paul Durand's claim ready to validate
    assert [figure.queue for figure in response.context["work_queues"]][0] == mine
    text = page_text(response)
    assert "Mes files de travail" in text
    assert "Renvoyés depuis plus de 7 jours" in text
    opened = manager_client.get(figures[mine.pk].url)
    assert opened.context["cl"].result_count == 1
    assert opened.context["work_queue"] == mine


def test_a_queue_whose_filters_no_longer_fit_is_shown_without_a_count(
    manager_client, manager, claims
):
    queue = services.work_queue_create(
        name="Ancienne",
        query="a_traiter=valider",
        shared=False,
        subscribe=True,
        by=manager,
    )
    # As if a filter had been removed from the queue since it was saved.
    WorkQueue.objects.filter(pk=queue.pk).update(query="filtre_disparu=1")
    response = manager_client.get(HOME)
    (figure,) = response.context["work_queues"]
    assert figure.count is None
    assert figure.url == reverse("admin:claims_claim_workqueues")
    assert "ses filtres ne s'appliquent plus à la liste" in page_text(response)
    listing = manager_client.get(reverse("admin:claims_claim_workqueues"))
    assert listing.status_code == 200
    assert "Ces filtres ne s'appliquent plus à la liste." in page_text(listing)


def test_a_manager_with_no_queue_is_told_how_to_follow_one(manager_client):
    response = manager_client.get(HOME)
    assert response.context["work_queues"] == []
    assert "Vous ne suivez aucune file de travail" in page_text(response)


# ---------------------------------------------------- any query, same count


def _parameters(client) -> dict[str, queue_query.Parameter]:
    response = client.get(QUEUE)
    return queue_query.parameters(
        response.context["cl"].model_admin, response.wsgi_request
    )


@st.composite
def queries(draw, known: dict[str, queue_query.Parameter], ids: list[int]):
    """A query the queue accepts: a few of its parameters, each with a value
    it offers (a choice, an id that exists or not, a search, a sort)."""
    names = draw(st.lists(st.sampled_from(sorted(known)), max_size=4, unique=True))
    given = {}
    for name in names:
        parameter = known[name]
        if parameter.labels:
            value = draw(st.sampled_from(sorted(parameter.labels)))
        elif name.endswith("__isnull"):
            value = draw(st.sampled_from(["True", "False"]))
        elif name == SEARCH_VAR:
            value = draw(st.sampled_from(["Durand", "Bernard", "Paul", "n° 1", "zz"]))
        elif name == ORDER_VAR:
            value = draw(st.sampled_from(["1", "-2.3", "7"]))
        else:
            value = str(draw(st.sampled_from([*ids, 999999])))
        given[name] = value
    return given


def test_the_queue_s_parameters_are_those_of_its_filters(manager_client):
    """Every parameter a filter of the page reads is known, and no other,
    built as Django's ChangeList builds them (shown or not: a related filter
    with a single choice is not on the page but reads its parameters)."""
    response = manager_client.get(QUEUE)
    model_admin = response.context["cl"].model_admin
    request = response.wsgi_request
    expected = {SEARCH_VAR, ORDER_VAR}
    for list_filter in model_admin.list_filter:
        if isinstance(list_filter, type):
            spec = list_filter(request, {}, Claim, model_admin)
        else:
            path, make = (
                list_filter
                if isinstance(list_filter, tuple)
                else (list_filter, FieldListFilter.create)
            )
            field = get_fields_from_path(Claim, path)[-1]
            spec = make(field, request, {}, Claim, model_admin, field_path=path)
        expected |= set(spec.expected_parameters())
    assert set(_parameters(manager_client)) == expected
    assert "renvoye_depuis" in expected and "comptage" in expected


def test_any_accepted_query_counts_what_the_queue_page_lists(
    manager_client, manager, claims
):
    known = _parameters(manager_client)
    first = claims["ready"].assignment.mission
    ids = [first.exam.session_id, first.exam_id, first.centre_id, first.mission_type_id]
    request = manager_client.get(QUEUE).wsgi_request
    model_admin = manager_client.get(QUEUE).context["cl"].model_admin

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(given_query=queries(known, ids))
    def check(given_query):
        encoded = urlencode(given_query)
        query = queue_query.clean_query(known, encoded) if given_query else ""
        read = queue_query.read_query(known, query)
        assert read == given_query
        counted = queue_query.queue_queryset(model_admin, request, known, read)
        assert set(counted.values_list("pk", flat=True)) == listed(
            manager_client, query
        )

    check()


def test_a_session_filter_and_its_neighbours_count_the_same_on_the_dashboard(
    manager_client, manager, claims, external_participant
):
    session = claims["ready"].assignment.mission.exam.session
    other = factories.ExamSessionFactory(name="Autre session")
    elsewhere = claim_in(
        S.SUBMITTED,
        external_participant,
        manager,
        exam=factories.ExamFactory(session=other),
    )
    queue = services.work_queue_create(
        name="Session",
        query=f"a_traiter=valider&assignment__mission__exam__session__id__exact={session.pk}",
        shared=True,
        subscribe=True,
        by=manager,
    )
    (figure,) = manager_client.get(HOME).context["work_queues"]
    assert figure.queue == queue
    expected = listed(manager_client, queue.query)
    assert elsewhere.pk not in expected
    assert figure.count == len(expected) > 0
