"""Work queues at a fixed number of queries: the queue page with filters (its
save form), a queue opened from the dashboard, the dashboard itself and the
list of queues make the same queries with n or 2n claims, and with 1 or 5
subscriptions; the dashboard counts every followed queue in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimStatus, UpstreamCount, WorkQueue
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.volume import many_claims

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:claims_claim_changelist")
HOME = reverse("admin:index")
QUEUES = reverse("admin:claims_claim_workqueues")
SIZES = (100, 200)


@pytest.fixture(autouse=True)
def no_session_write_during_the_test(settings):
    """As in tests/test_query_counts.py: the once-a-minute session save must
    not fall in one measure and not in the other."""
    settings.SESSION_REFRESH_INTERVAL = 3600


class Volume:
    """Claims in every status, grown by `grow`; the sent-back ones were sent
    back ten days ago and some were counted differently upstream."""

    def __init__(self, manager):
        self.manager = manager
        self.session = factories.ExamSessionFactory()
        self.count = 0

    def grow(self, size: int, monkeypatch) -> None:
        claims = many_claims(size - self.count, self.manager, session=self.session)
        self.count = size
        sent_back = [c for c in claims if c.status == ClaimStatus.RETURNED]
        with monkeypatch.context() as patch:
            long_ago = timezone.now() - timedelta(days=10)
            patch.setattr(timezone, "now", lambda: long_ago)
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    actor=self.manager,
                    actor_label="volume",
                    action="claims.claim.returned",
                    target_type=ContentType.objects.get_for_model(Claim),
                    target_id=claim.pk,
                    from_status=ClaimStatus.SUBMITTED,
                    to_status=ClaimStatus.RETURNED,
                )
                for claim in sent_back
            )
        Claim.objects.filter(
            pk__in=[c.pk for c in claims if c.status == ClaimStatus.SUBMITTED][::2]
        ).update(plausibility_codes=",volume,")
        UpstreamCount.objects.bulk_create(
            UpstreamCount(
                participant_id=claim.assignment.participant_id,
                mission_id=claim.assignment.mission_id,
                copies=1,
                imported_at=timezone.now(),
            )
            for claim in claims
            if claim.status == ClaimStatus.SUBMITTED
        )


@pytest.fixture
def volume(manager):
    return Volume(manager)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def measured(client, url: str, grow) -> list[int]:
    """The queries of GET `url` at each size; a first GET fills the caches
    (content types, rate book) any later request finds full."""
    counts = []
    for size in SIZES:
        grow(size)
        client.get(url)
        counts.append(queries_of(client, url))
    return counts


def follow(manager, keys) -> list[WorkQueue]:
    queues = [WorkQueue.objects.get(key=key) for key in keys]
    for queue in queues:
        services.work_queue_subscribe(queue=queue, by=manager)
    return queues


ALL = ["renvoyes", "ecarts", "valider", "points", "paiement"]


def test_the_queue_page_with_filters_costs_the_same_for_n_or_2n_claims(
    manager_client, volume, monkeypatch
):
    url = f"{QUEUE}?a_traiter=valider&comptage=different"
    counts = measured(manager_client, url, lambda n: volume.grow(n, monkeypatch))
    assert counts[0] == counts[1], counts
    assert manager_client.get(url).context["work_queue_form"] is not None


def test_an_opened_queue_costs_the_same_for_n_or_2n_claims(
    manager_client, manager, volume, monkeypatch
):
    (queue,) = follow(manager, ["renvoyes"])
    url = f"{QUEUE}?{queue.query}&file={queue.pk}"
    counts = measured(manager_client, url, lambda n: volume.grow(n, monkeypatch))
    assert counts[0] == counts[1], counts
    response = manager_client.get(url)
    assert response.context["work_queue"] == queue
    sent_back = Claim.objects.filter(status=ClaimStatus.RETURNED).count()
    assert response.context["cl"].result_count == sent_back > 0


def test_the_dashboard_costs_the_same_for_n_or_2n_claims(
    manager_client, manager, volume, monkeypatch
):
    follow(manager, ALL)
    counts = measured(manager_client, HOME, lambda n: volume.grow(n, monkeypatch))
    assert counts[0] == counts[1], counts
    figures = manager_client.get(HOME).context["work_queues"]
    for figure in figures:
        listed = manager_client.get(figure.url).context["cl"].result_count
        assert figure.count == listed > 0, figure


def test_the_dashboard_counts_1_or_5_queues_in_one_query(
    manager_client, manager, volume, monkeypatch
):
    volume.grow(SIZES[0], monkeypatch)
    manager_client.get(HOME)
    without = queries_of(manager_client, HOME)
    follow(manager, ALL[:1])
    one = queries_of(manager_client, HOME)
    follow(manager, ALL[1:])
    five = queries_of(manager_client, HOME)
    mine = services.work_queue_create(
        name="Recherche",
        query="q=Ume1&a_verifier=tous&status__exact=submitted",
        shared=False,
        subscribe=True,
        by=manager,
    )
    six = queries_of(manager_client, HOME)
    # The subscriptions are read in any case; every count then in one query.
    assert (one, five, six) == (without + 1, without + 1, without + 1)
    assert len(manager_client.get(HOME).context["work_queues"]) == 6
    assert mine.pk in {
        f.queue.pk for f in manager_client.get(HOME).context["work_queues"]
    }


def test_the_list_of_queues_costs_the_same_for_1_or_5_queues(
    manager_client, manager, volume, monkeypatch
):
    volume.grow(SIZES[0], monkeypatch)
    colleague = factories.ManagerFactory()

    def queues(n: int) -> None:
        for index in range(WorkQueue.objects.filter(key="").count(), n):
            author = manager if index % 2 else colleague
            queue = services.work_queue_create(
                name=f"File {index}",
                query=f"a_traiter=valider&o={index % 9 + 1}",
                shared=True,
                subscribe=True,
                by=author,
            )
            services.work_queue_subscribe(queue=queue, by=manager)

    counts = []
    for n in (1, 5):
        queues(n)
        manager_client.get(QUEUES)
        counts.append(queries_of(manager_client, QUEUES))
    assert counts[0] == counts[1], counts
