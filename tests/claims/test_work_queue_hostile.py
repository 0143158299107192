"""Hostile names and query strings never make a work queue's page answer
5xx, never get stored as they came, and a refused form shows what was typed.
Run on PostgreSQL too: it refuses the NUL bytes SQLite keeps."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import services
from claims.admin import queue_query
from claims.models import WorkQueue
from claims.models.work_queues import QUERY_MAX_LENGTH
from imagin.text import CONTROL_CHARACTERS
from tests.hostile import (
    assert_no_server_error,
    assert_shown_again,
    hostile_text,
    junk_fields,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:claims_claim_changelist")
HOME = reverse("admin:index")
SAVE = reverse("admin:claims_claim_workqueue_save")
HOSTILE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Query strings a browser (or someone typing in the address bar) may send:
# known parameters with odd values, unknown ones, repeats, encodings.
NASTY_QUERIES = (
    "a_traiter=valider&a_traiter=valider",
    "a_traiter=%00",
    "q=%00",
    "q=" + "x" * 5000,
    "assignment__mission__exam__session__id__exact=99999999999999999999",
    "assignment__mission__exam__session__id__exact=-1",
    "assignment__mission__exam__session__id__exact=١٢",
    "status__exact=returned%00",
    "status__isnull=maybe",
    "o=1;DROP TABLE claims_claim",
    "o=" + ".".join(["1"] * 50),
    "p=2",
    "e=1",
    "_facets=True",
    "file=1",
    "a_traiter=valider&" * 600,
    "&" * 2000,
    "=",
    "%ZZ=%ZZ",
    "%FF%FE=1",
    "renvoye_depuis=0",
    "renvoye_depuis=7.0",
    "comptage=different\n",
)


def hostile_query() -> st.SearchStrategy[str]:
    known = st.sampled_from(
        ["a_traiter", "comptage", "renvoye_depuis", "status__exact", "q", "o"]
    )
    built = st.lists(
        st.tuples(st.one_of(known, hostile_text(20)), hostile_text(40)), max_size=5
    ).map(lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))
    return st.one_of(st.sampled_from(NASTY_QUERIES), hostile_text(), built)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def known(manager_client):
    response = manager_client.get(QUEUE)
    return queue_query.parameters(
        response.context["cl"].model_admin, response.wsgi_request
    )


@HOSTILE
@given(query=hostile_query())
def test_a_query_is_either_refused_or_one_the_queue_reads_back(known, query):
    try:
        cleaned = queue_query.clean_query(known, query)
    except ValidationError:
        return
    assert 0 < len(cleaned) <= QUERY_MAX_LENGTH
    assert not CONTROL_CHARACTERS.search(cleaned)
    assert queue_query.clean_query(known, cleaned) == cleaned
    assert set(queue_query.read_query(known, cleaned)) <= set(known)


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_nasty_queries_are_refused(known, query):
    with pytest.raises(ValidationError):
        queue_query.clean_query(known, query)


@HOSTILE
@given(name=hostile_text(), filters=hostile_query(), junk=junk_fields(5))
def test_saving_hostile_values_never_fails_and_keeps_what_was_typed(
    manager_client, manager, name, filters, junk
):
    before = set(WorkQueue.objects.values_list("pk", flat=True))
    response = manager_client.post(
        SAVE, {"name": name, "filters": filters, "shared": "on", **junk}
    )
    assert_no_server_error(response)
    created = WorkQueue.objects.exclude(pk__in=before)
    if response.status_code == 302:
        (queue,) = created
        assert queue.name == " ".join(name.split())
        assert queue.query == queue_query.clean_query(
            queue_query.parameters(
                manager_client.get(QUEUE).context["cl"].model_admin,
                response.wsgi_request,
            ),
            filters,
        )
        services.work_queue_delete(queue=queue, by=manager)
    else:
        assert_shown_again(response, name)
        assert not created.exists()


@HOSTILE
@given(filters=hostile_query(), chosen=hostile_text(20))
def test_hostile_addresses_of_the_queue_pages_never_fail(
    manager_client, filters, chosen
):
    assert_no_server_error(manager_client.get(SAVE, {"filtres": filters}))
    assert_no_server_error(
        manager_client.get(QUEUE, {"a_traiter": "valider", "file": chosen})
    )
    # As typed in the address bar: the browser percent-encodes what it must.
    raw = quote(filters, safe="=&%")
    assert_no_server_error(manager_client.get(QUEUE, QUERY_STRING=raw))


@HOSTILE
@given(name=hostile_text(), shared=hostile_text(10))
def test_renaming_with_hostile_values_never_fails(
    manager_client, manager, name, shared
):
    queue = WorkQueue.objects.filter(created_by=manager).first() or (
        services.work_queue_create(
            name="Ma file",
            query="a_traiter=valider",
            shared=False,
            subscribe=False,
            by=manager,
        )
    )
    url = reverse("admin:claims_claim_workqueue_change", args=[queue.pk])
    response = manager_client.post(url, {"name": name, "shared": shared})
    assert_no_server_error(response)
    if response.status_code != 302:
        assert_shown_again(response, name)


@HOSTILE
@given(subscribe=hostile_text(10), back=hostile_text(40))
def test_hostile_subscription_posts_never_fail(manager_client, subscribe, back):
    queue = WorkQueue.objects.get(key="valider")
    url = reverse("admin:claims_claim_workqueue_subscription", args=[queue.pk])
    response = manager_client.post(url, {"abonner": subscribe, "retour": back})
    assert_no_server_error(response)
    assert response.status_code == 302


def test_a_stored_query_that_no_longer_fits_breaks_no_page(manager_client, manager):
    queue = services.work_queue_create(
        name="Ma file",
        query="a_traiter=valider",
        shared=True,
        subscribe=True,
        by=manager,
    )
    for stored in ("a_traiter=valider&e=1", "q=" + "x" * 900, "=&=", "status__exact=x"):
        WorkQueue.objects.filter(pk=queue.pk).update(query=stored)
        for url in (
            HOME,
            reverse("admin:claims_claim_workqueues"),
            f"{QUEUE}?a_traiter=valider&file={queue.pk}",
            reverse("admin:claims_claim_workqueue_change", args=[queue.pk]),
        ):
            assert manager_client.get(url).status_code == 200, (stored, url)
        (figure,) = manager_client.get(HOME).context["work_queues"]
        assert figure.count is None


def test_a_nul_byte_in_a_name_is_refused_and_nothing_is_stored(manager):
    for name in ("\x00", "Ma\x00file", "file\x1b[31m"):
        with pytest.raises(ValidationError):
            services.work_queue_create(
                name=name,
                query="a_traiter=valider",
                shared=False,
                subscribe=False,
                by=manager,
            )
    with pytest.raises(ValidationError):
        services.work_queue_create(
            name="Ma file",
            query="a_traiter=\x00",
            shared=False,
            subscribe=False,
            by=manager,
        )
    assert not WorkQueue.objects.filter(created_by=manager).exists()
