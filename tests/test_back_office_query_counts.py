"""The claims queue filtered by each of its own filters costs the same number
of queries for n and 2n claims.

The queue without filter is measured in tests/test_query_counts.py (and
tests/claims/test_back_office_claims.py), the dashboard in
tests/claims/test_dashboard.py; here each value of the queue's work lists
(« à traiter »), of the platform's counts, of the service fait and of the
plausibility points, on claims that each filter does list (a filter that
lists nothing would prove nothing).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import plausibility
from claims.models import Claim, UpstreamCount
from missions.certificates import ServiceCertificate
from missions.models import Mission, MissionType
from tests import factories
from tests.claims.volume import many_claims

pytestmark = pytest.mark.django_db

N = 30
QUEUE = "admin:claims_claim_changelist"
CODES = sorted(plausibility.STORED_LABELS)
FILTERS = [
    *(
        ("a_traiter", value)
        for value in ("decision", "valider", "non_effectuees", "montant", "paiement")
    ),
    *(("comptage", value) for value in ("conforme", "different", "absent")),
    *(("service_fait", value) for value in ("certifie", "absent", "attente")),
    *(("a_verifier", value) for value in ("tous", *CODES)),
]


@pytest.fixture(autouse=True)
def no_session_write_during_the_test(settings):
    """As in tests/test_query_counts.py: the idle timeout's once-a-minute
    session save must not fall in one measure and not the other."""
    settings.SESSION_REFRESH_INTERVAL = 3600
    settings.TRAVEL_ENABLED = True


def add_claims(count: int, manager) -> None:
    """`count` claims in every status (tests.claims.volume), a third of them
    with a platform count that agrees, a third with one that differs; a
    third certified present, a third absent; most with a plausibility point;
    one of their missions paid on an amount the manager enters."""
    claims = many_claims(count, manager)
    Claim.objects.filter(remuneration_amount__isnull=True).update(has_travel_part=True)
    entered = factories.MissionTypeFactory(
        payment_basis=MissionType.PaymentBasis.MANAGER_ENTERED
    )
    Mission.objects.filter(pk=claims[0].assignment.mission_id).update(
        mission_type=entered
    )
    now = timezone.now()
    counts, certificates = [], []
    for n, claim in enumerate(claims):
        assignment = claim.assignment
        if n % 3 < 2:
            counts.append(
                UpstreamCount(
                    participant_id=assignment.participant_id,
                    mission_id=assignment.mission_id,
                    copies=(claim.copies_declared or 0) + n % 3,
                    imported_at=now,
                )
            )
            certificates.append(
                ServiceCertificate(
                    assignment=assignment,
                    present=n % 3 == 0,
                    certified_by_name="Chef de centre",
                    certified_at=now,
                )
            )
        codes = CODES[n % (len(CODES) + 1) :][:1]
        if codes:
            Claim.objects.filter(pk=claim.pk).update(plausibility_codes=f",{codes[0]},")
    UpstreamCount.objects.bulk_create(counts)
    ServiceCertificate.objects.bulk_create(certificates)


def queries_of(client, url: str) -> tuple[int, int]:
    """The queries of the page and the number of claims it lists."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.context["cl"].result_count


@pytest.mark.parametrize(("parameter", "value"), FILTERS)
def test_the_filtered_queue_costs_the_same_queries_for_n_or_2n_claims(
    parameter, value, client, manager, record_property
):
    client.force_login(manager)
    url = f"{reverse(QUEUE)}?{parameter}={value}"
    add_claims(N, manager)
    client.get(url)  # the caches any later request finds full
    small, listed_small = queries_of(client, url)
    add_claims(N, manager)
    large, listed_large = queries_of(client, url)
    record_property("queries", [small, large])
    assert 0 < listed_small < listed_large, (listed_small, listed_large)
    assert large == small, (small, large)
