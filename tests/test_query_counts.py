"""Query counts that do not grow with the data.

Every participant page costs the same number of queries whether the
participant has 1, 10 or 100 claims, and every main back-office list the same
with 10 or 1,000 rows: a page that loaded one row at a time (N+1) fails here.
Each bound is the count measured with the smallest data, plus nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import FinancialFile, User
from claims import services
from claims.models import Claim, ConvocationRun, PaymentBatch
from imagin.audit import AuditEvent
from missions.models import Mission
from tests import factories
from tests.claims.entry_helpers import TRAVEL_FORMS, convoke, post_step
from tests.claims.volume import many_claims
from tests.participant_volume import past_claims

pytestmark = pytest.mark.django_db

PARTICIPANT_SIZES = (1, 10, 100)
BACK_OFFICE_SIZES = (10, 1000)


@pytest.fixture(autouse=True)
def no_session_write_during_the_test(settings):
    """The idle timeout saves the session once a minute: a slow run must not
    count that save at one size and not at the other."""
    settings.SESSION_REFRESH_INTERVAL = 3600
    settings.TRAVEL_ENABLED = True


def _measure(client, url, grow, sizes, bound, assert_max):
    """The queries of GET `url` at each size (`grow(size)` brings the data
    there), each at most `bound`. A first GET at the smallest size fills the
    caches (content types, rate book) that any later request finds full."""
    grow(sizes[0])
    assert client.get(url).status_code == 200, url
    counts = []
    for size in sizes:
        grow(size)
        with assert_max(bound) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(queries.captured_queries))
    return counts


# ---------------------------------------------------------- participant


@dataclass
class Participant:
    user: User
    manager: User
    claim: Claim
    count: int = 1

    def grow(self, size: int) -> None:
        past_claims(self.user, self.manager, size - self.count)
        self.count = size


@pytest.fixture
def someone(client, participant, manager):
    """A participant signed in, with an open claim (travel part, at its
    summary) in a session their older claims share."""
    claim = convoke(participant, manager, exam__session__name="Session 2026")
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    client.force_login(participant)
    post_step(client, claim, "mission", performed="yes")
    post_step(client, claim, "service", copies_declared="42")
    day = timezone.localdate(claim.assignment.mission.starts_at).isoformat()
    trip = {
        "trajets-0-date": day,
        "trajets-0-origin": "Évreux",
        "trajets-0-destination": "Le Havre",
        "trajets-0-mode": "public_transport",
        "trajets-0-fare": "23,40",
        "repas-0-date": day,
        "repas-0-kind": "lunch",
        "nuitees-0-zone": "standard",
    }
    saved = post_step(client, claim, "deplacement", **TRAVEL_FORMS, **trip)
    assert saved.status_code == 302, saved.status_code
    claim.refresh_from_db()
    return Participant(participant, manager, claim)


def _session(p: Participant) -> int:
    return p.claim.assignment.mission.exam.session_id


# Each participant page, its address and the most queries it may make: the
# count measured with one claim.
PARTICIPANT_PAGES = {
    # What waits: the claims, their missions, the financial file, the next
    # mission (documents and travel rows only for claims that take them), and
    # whether the person heads a centre.
    "home": (lambda p: reverse("home"), 7),
    "profile": (lambda p: reverse("accounts:profile"), 5),
    "financial file": (lambda p: reverse("accounts:financial_file"), 3),
    "declarations": (lambda p: reverse("missions:declarations"), 3),
    "competences": (
        lambda p: reverse("missions:competences", args=[_session(p)]),
        5,
    ),
    "availability": (
        # The wishes section: the wish with its centres, the session's centres.
        lambda p: reverse("missions:availability", args=[_session(p)]),
        7,
    ),
    "convocations": (lambda p: reverse("missions:convocations"), 3),
    "convocation PDF": (
        lambda p: reverse(
            "missions:convocation_download", args=[p.claim.assignment_id]
        ),
        4,
    ),
    "claim list": (lambda p: reverse("claims:list"), 10),
    "claim list, one session": (
        lambda p: reverse("claims:list") + f"?session={_session(p)}&page=2",
        10,
    ),
    # Each step page also shows the payment tracker (claims/tracker.py): the
    # financial file and the claim's audit dates, two queries.
    "step mission": (
        lambda p: reverse("claims:step", args=[p.claim.pk, "mission"]),
        10,
    ),
    "step service": (
        lambda p: reverse("claims:step", args=[p.claim.pk, "service"]),
        10,
    ),
    "step travel": (
        lambda p: reverse("claims:step", args=[p.claim.pk, "deplacement"]),
        13,
    ),
    "step summary": (
        lambda p: reverse("claims:step", args=[p.claim.pk, "recapitulatif"]),
        11,
    ),
    "not performed": (lambda p: reverse("claims:not_performed", args=[p.claim.pk]), 7),
    "claim PDF": (lambda p: reverse("claims:pdf", args=[p.claim.pk]), 8),
    "session recap PDF": (lambda p: reverse("claims:recap", args=[_session(p)]), 10),
}


@pytest.mark.parametrize("name", PARTICIPANT_PAGES)
def test_a_participant_page_costs_the_same_queries_for_1_10_or_100_claims(
    name, client, someone, django_assert_max_num_queries, record_property
):
    address, bound = PARTICIPANT_PAGES[name]
    counts = _measure(
        client,
        address(someone),
        someone.grow,
        PARTICIPANT_SIZES,
        bound,
        django_assert_max_num_queries,
    )
    record_property("queries", counts)
    assert counts == [counts[0]] * len(counts), counts


def test_a_read_only_claim_costs_the_same_queries_for_1_10_or_100_claims(
    client, someone, django_assert_max_num_queries, record_property
):
    services.claim_submit(
        claim=someone.claim, by=someone.user, version=someone.claim.version
    )
    counts = _measure(
        client,
        reverse("claims:detail", args=[someone.claim.pk]),
        someone.grow,
        PARTICIPANT_SIZES,
        12,  # 11, and the payment tracker's audit dates
        django_assert_max_num_queries,
    )
    record_property("queries", counts)
    assert counts == [counts[0]] * len(counts), counts


# ---------------------------------------------------------- back-office


def _rows_of(model):
    """A function adding rows of `model` up to a size, in bulk."""
    made = {"count": 0}

    def grow(size: int, manager) -> None:
        new = range(made["count"], size)
        made["count"] = size
        if not new:
            return
        BUILDERS[model](new, manager)

    return grow


def _claims(new, manager):
    many_claims(len(new), manager)
    # The queue reads the car trips of the page's claims still to price only
    # when one has a travel part: every page has some, whichever claims it shows.
    Claim.objects.filter(remuneration_amount__isnull=True).update(has_travel_part=True)


def _users(new, manager):
    User.objects.bulk_create(
        User(
            username=f"liste{n}",
            first_name="Liste",
            last_name=f"Nom{n}",
            email=f"liste{n}@exemple.invalid",
            password="!",
            commune=manager.commune,
        )
        for n in new
    )


def _financial_files(new, manager):
    before = set(User.objects.values_list("pk", flat=True))
    _users(new, manager)
    FinancialFile.objects.bulk_create(
        FinancialFile(
            user=user,
            holder=user.last_name,
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
            updated_at=timezone.now(),
        )
        for user in User.objects.exclude(pk__in=before)
    )


def _missions(new, manager):
    template = factories.MissionFactory()
    Mission.objects.bulk_create(
        Mission(
            exam=template.exam,
            epreuve=template.epreuve,
            mission_type=template.mission_type,
            centre=template.centre,
            starts_at=template.starts_at + timedelta(days=n),
            ends_at=template.ends_at + timedelta(days=n),
            planned_volume=10,
            staffing_need=1,
        )
        for n in new
    )


def _batches(new, manager):
    PaymentBatch.objects.bulk_create(
        PaymentBatch(label=f"Lot {n}", created_by=manager) for n in new
    )


def _runs(new, manager):
    exam = factories.ExamFactory()
    centre = factories.CentreFactory()
    ConvocationRun.objects.bulk_create(
        ConvocationRun(
            kind=ConvocationRun.Kind.CONTROL,
            session=exam.session,
            exam=exam if n % 2 else None,
            centre=centre if n % 3 else None,
            status=ConvocationRun.Status.DONE,
            created_by=manager,
        )
        for n in new
    )


def _events(new, manager):
    mission_type = ContentType.objects.get_for_model(Mission)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=manager if n % 2 else None,
            actor_label="liste",
            action="missions.mission.changed",
            target_type=mission_type,
            target_id=n + 1,
        )
        for n in new
    )


BUILDERS = {
    Claim: _claims,
    User: _users,
    FinancialFile: _financial_files,
    Mission: _missions,
    PaymentBatch: _batches,
    ConvocationRun: _runs,
    AuditEvent: _events,
}

# Each main back-office list, and the most queries it may make (the count
# measured with 10 rows).
BACK_OFFICE_LISTS = {
    "claims queue": (Claim, "admin:claims_claim_changelist", 20),
    "payment batches": (PaymentBatch, "admin:claims_paymentbatch_changelist", 9),
    "convocation runs": (ConvocationRun, "admin:claims_convocationrun_changelist", 10),
    "audit events": (AuditEvent, "admin:imagin_auditevent_changelist", 13),
    "users": (User, "admin:accounts_user_changelist", 10),
    "missions": (Mission, "admin:missions_mission_changelist", 15),
    "financial files": (FinancialFile, "admin:accounts_financialfile_changelist", 9),
}


@pytest.mark.parametrize("name", BACK_OFFICE_LISTS)
def test_a_back_office_list_costs_the_same_queries_for_10_or_1000_rows(
    name, client, django_assert_max_num_queries, record_property
):
    model, url_name, bound = BACK_OFFICE_LISTS[name]
    administrator = factories.AdministratorFactory()
    client.force_login(administrator)
    grow = _rows_of(model)
    counts = _measure(
        client,
        reverse(url_name),
        lambda size: grow(size, administrator),
        BACK_OFFICE_SIZES,
        bound,
        django_assert_max_num_queries,
    )
    record_property("queries", counts)
    assert counts == [counts[0]] * len(counts), counts
