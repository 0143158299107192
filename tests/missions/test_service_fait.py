"""The centre heads' certificate of service done (constat de service fait):
who sees and certifies what, what the claim and the back-office show, and
the division's validation waiting for it where SERVICE_FAIT_REQUIRED."""

from __future__ import annotations

import html
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.roles import CENTRE_HEAD
from claims import selectors, services, tracker
from claims.services import bulk_review
from claims.tracker import Actor, StepState
from imagin.audit import AuditEvent
from imagin.text import CONTROL_CHARACTERS
from missions.certificates import CentreHead, ServiceCertificate
from missions.certification import CERTIFIED, service_certify
from missions.models import Centre
from tests import factories
from tests.claims.review_helpers import S, claim_in, submitted
from tests.hostile import assert_no_server_error, hostile_text, junk_fields

pytestmark = pytest.mark.django_db

LIST = reverse("missions:centre_missions")


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def centre():
    return factories.CentreFactory(name="Lycée Corneille")


@pytest.fixture
def head(centre):
    user = factories.UserFactory(first_name="Marc", last_name="Lefèvre")
    user.groups.add(Group.objects.get(name=CENTRE_HEAD))
    CentreHead.objects.create(centre=centre, user=user)
    return user


@pytest.fixture
def mission(centre):
    return factories.MissionFactory(centre=centre)


def _convoked_to(mission, manager, participant=None):
    """A participant convoked to this very mission (its claim open)."""
    participant = participant or factories.UserFactory()
    assignment = factories.AssignmentFactory(mission=mission, participant=participant)
    return services.convocation_issue(assignment=assignment, by=manager).assignment


# ------------------------------------------------------------- the service


def test_the_head_certifies_present_with_an_audit_event(head, mission, manager):
    assignment = _convoked_to(mission, manager)
    [certificate] = service_certify(assignments=[assignment], present=True, by=head)
    assert certificate.present and certificate.certified_by == head
    assert certificate.certified_by_name == "Marc Lefèvre"
    event = AuditEvent.objects.for_object(assignment).get(action=CERTIFIED)
    assert event.actor == head
    assert event.data["present"] is True and event.data["before"] is None


def test_absent_with_a_comment_then_changed_is_audited_each_time(
    head, mission, manager
):
    assignment = _convoked_to(mission, manager)
    service_certify(
        assignments=[assignment], present=False, comment=" Pas venu ", by=head
    )
    certificate = ServiceCertificate.objects.get(assignment=assignment)
    assert not certificate.present and certificate.comment == "Pas venu"
    service_certify(assignments=[assignment], present=True, by=head)
    certificate.refresh_from_db()
    assert certificate.present and certificate.comment == ""
    events = AuditEvent.objects.for_object(assignment).filter(action=CERTIFIED)
    assert [e.data["before"] for e in events.order_by("pk")] == [None, False]
    # The same answer again writes nothing and logs nothing.
    service_certify(assignments=[assignment], present=True, by=head)
    assert events.count() == 2


def test_only_a_head_of_the_missions_centre_certifies(
    head, mission, manager, participant
):
    assignment = _convoked_to(mission, manager)
    other_head = factories.UserFactory()
    CentreHead.objects.create(centre=factories.CentreFactory(), user=other_head)
    for someone in (other_head, manager, participant):
        with pytest.raises(PermissionDenied):
            service_certify(assignments=[assignment], present=True, by=someone)
    assert not ServiceCertificate.objects.exists()
    assert not AuditEvent.objects.filter(action=CERTIFIED).exists()


def test_no_change_once_the_division_validated_the_claim(head, centre, manager):
    participant = factories.UserFactory()
    claim = claim_in(S.APPROVED, participant, manager, centre=centre)
    with pytest.raises(ValidationError, match="déjà validé par la division"):
        service_certify(assignments=[claim.assignment], present=False, by=head)


def test_a_mission_not_started_cannot_be_certified(head, centre, manager):
    later = factories.MissionFactory(
        centre=centre, starts_at=timezone.now() + timedelta(days=3)
    )
    assignment = _convoked_to(later, manager)
    with pytest.raises(ValidationError, match="pas encore commencé"):
        service_certify(assignments=[assignment], present=True, by=head)


# --------------------------------------------------------------- the pages


def test_the_head_sees_only_their_centres_missions(client, head, mission, manager):
    mine = _convoked_to(mission, manager)
    elsewhere = factories.MissionFactory(epreuve__name="Épreuve d'ailleurs")
    _convoked_to(elsewhere, manager)
    client.force_login(head)
    text = _text(client.get(LIST))
    assert mine.participant.get_full_name() in text
    assert mission.epreuve.name in text
    assert "Épreuve d'ailleurs" not in text
    other = reverse("missions:centre_mission", args=[elsewhere.pk])
    assert client.get(other).status_code == 404
    assert client.post(other, {"all_present": "1"}).status_code == 404
    assert not ServiceCertificate.objects.exists()


def test_someone_heading_no_centre_is_refused(client, participant, mission, manager):
    _convoked_to(mission, manager)
    client.force_login(participant)
    page = reverse("missions:centre_mission", args=[mission.pk])
    assert client.get(LIST).status_code == 403
    assert client.post(page, {"all_present": "1"}).status_code == 403
    assert not ServiceCertificate.objects.exists()


def test_the_head_certifies_one_present_and_one_absent(client, head, mission, manager):
    first, second = _convoked_to(mission, manager), _convoked_to(mission, manager)
    client.force_login(head)
    page = reverse("missions:centre_mission", args=[mission.pk])
    response = client.post(
        page,
        {
            f"presence-{first.pk}": "present",
            f"presence-{second.pk}": "absent",
            f"comment-{second.pk}": "Remplacé au pied levé",
        },
        follow=True,
    )
    assert "Service fait enregistré pour 2 intervenants." in _text(response)
    assert ServiceCertificate.objects.get(assignment=first).present
    absent = ServiceCertificate.objects.get(assignment=second)
    assert not absent.present and absent.comment == "Remplacé au pied levé"


def test_all_present_at_once(client, head, mission, manager):
    people = [_convoked_to(mission, manager) for _ in range(3)]
    client.force_login(head)
    client.post(
        reverse("missions:centre_mission", args=[mission.pk]), {"all_present": "1"}
    )
    assert ServiceCertificate.objects.filter(
        assignment__in=people, present=True
    ).count() == len(people)


def test_nothing_chosen_says_so_and_keeps_the_comment(client, head, mission, manager):
    assignment = _convoked_to(mission, manager)
    client.force_login(head)
    response = client.post(
        reverse("missions:centre_mission", args=[mission.pk]),
        {
            f"comment-{assignment.pk}": "Arrivé en retard",
            f"presence-{assignment.pk}": "peut-être",
        },
    )
    text = _text(response)
    assert response.status_code == 200
    assert "Choisissez présent(e) ou absent(e)" in text
    assert 'value="Arrivé en retard"' in text
    assert not ServiceCertificate.objects.exists()


def _grow(mission_centre, manager, count: int) -> None:
    for _ in range(count):
        mission = factories.MissionFactory(centre=mission_centre)
        for _ in range(2):
            assignment = _convoked_to(mission, manager)
            service_certify(
                assignments=[assignment],
                present=True,
                by=CentreHead.objects.filter(centre=mission_centre).first().user,
            )


def test_the_list_costs_the_same_queries_for_2_or_10_missions(
    client, head, centre, manager
):
    client.force_login(head)
    counts = []
    for size in (2, 10):
        _grow(centre, manager, size - (2 if counts else 0))
        client.get(LIST)  # session and caches warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


# ------------------------------------------------------ the claim's pages


def test_the_review_page_and_the_queue_show_the_certificate(
    client, head, centre, manager, participant
):
    claim = claim_in(S.SUBMITTED, participant, manager, centre=centre)
    client.force_login(manager)
    page = reverse("admin:claims_claim_change", args=[claim.pk])
    assert "Service fait certifié" not in _text(client.get(page))
    queue = reverse("admin:claims_claim_changelist")
    assert f">{claim.pk}<" in _text(client.get(queue + "?service_fait=attente"))
    service_certify(assignments=[claim.assignment], present=True, by=head)
    assert "Service fait certifié par Marc Lefèvre le" in _text(client.get(page))
    assert f">{claim.pk}<" in _text(client.get(queue + "?service_fait=certifie"))
    assert f">{claim.pk}<" not in _text(client.get(queue + "?service_fait=attente"))
    service_certify(
        assignments=[claim.assignment], present=False, comment="Excusé", by=head
    )
    absent = _text(client.get(queue + "?service_fait=absent"))
    assert f">{claim.pk}<" in absent
    review = _text(client.get(page))
    assert "Absent(e) selon le chef de centre" in review and "« Excusé »" in review


def test_the_participant_reads_the_certificate_on_their_claim(
    client, head, centre, manager, participant
):
    claim = claim_in(S.SUBMITTED, participant, manager, centre=centre)
    client.force_login(participant)
    page = reverse("claims:detail", args=[claim.pk])
    assert "Service fait certifié" not in _text(client.get(page))
    service_certify(assignments=[claim.assignment], present=True, by=head)
    assert "Service fait certifié par Marc Lefèvre le" in _text(client.get(page))
    service_certify(
        assignments=[claim.assignment], present=False, comment="Excusé", by=head
    )
    assert "Absent(e) selon le chef de centre" in _text(client.get(page))


# ------------------------------------------------ SERVICE_FAIT_REQUIRED


def test_validation_waits_for_the_certificate_when_required(
    settings, head, centre, manager, participant
):
    settings.SERVICE_FAIT_REQUIRED = True
    claim = claim_in(S.SUBMITTED, participant, manager, centre=centre)
    with pytest.raises(
        ValidationError, match="Le chef de centre n'a pas encore certifié"
    ):
        services.claim_approve(claim=claim, by=manager)
    service_certify(assignments=[claim.assignment], present=False, by=head)
    with pytest.raises(ValidationError):
        services.claim_approve(claim=claim, by=manager)
    service_certify(assignments=[claim.assignment], present=True, by=head)
    assert services.claim_approve(claim=claim, by=manager).status == S.APPROVED


def test_not_required_validation_does_not_wait(manager, participant, centre):
    claim = claim_in(S.SUBMITTED, participant, manager, centre=centre)
    assert services.claim_approve(claim=claim, by=manager).status == S.APPROVED


def test_bulk_validation_refuses_the_uncertified_when_required(
    settings, head, centre, manager
):
    settings.SERVICE_FAIT_REQUIRED = True
    waiting = claim_in(S.SUBMITTED, factories.UserFactory(), manager, centre=centre)
    certified = claim_in(S.SUBMITTED, factories.UserFactory(), manager, centre=centre)
    service_certify(assignments=[certified.assignment], present=True, by=head)
    outcomes = {
        o.claim_id: o
        for o in bulk_review.claims_approve(
            claim_ids=[waiting.pk, certified.pk], by=manager
        )
    }
    assert outcomes[certified.pk].ok
    assert not outcomes[waiting.pk].ok
    assert "pas encore certifié le service fait" in outcomes[waiting.pk].text
    waiting.refresh_from_db()
    assert waiting.status == S.SUBMITTED


def test_the_tracker_shows_the_step_and_who_blocks(
    settings, head, centre, manager, participant
):
    claim = claim_in(S.SUBMITTED, participant, manager, centre=centre)
    keys = [step.key for step in tracker.tracker(claim, None).steps]
    assert "service_done" not in keys
    settings.SERVICE_FAIT_REQUIRED = True
    seen = tracker.tracker(claim, None)
    step = next(s for s in seen.steps if s.key == "service_done")
    assert step.state is StepState.CURRENT and step.label == "Service fait certifié"
    assert any(b.actor is Actor.CENTRE_HEAD for b in seen.blockers)
    assert Actor.CENTRE_HEAD.label == "le chef de centre"
    [certificate] = service_certify(
        assignments=[claim.assignment], present=True, by=head
    )
    claim.assignment.refresh_from_db()
    claim = type(claim).objects.select_related("assignment__mission").get(pk=claim.pk)
    seen = tracker.tracker(claim, None)
    step = next(s for s in seen.steps if s.key == "service_done")
    assert step.done and step.when == certificate.certified_at
    assert not any(b.actor is Actor.CENTRE_HEAD for b in seen.blockers)


def test_submitted_claim_in_a_trackers_list_costs_no_query_per_claim(
    settings, head, centre, manager, participant
):
    settings.SERVICE_FAIT_REQUIRED = True
    claims = [submitted_claim(participant, manager, centre) for _ in range(3)]
    with CaptureQueriesContext(connection) as few:
        tracker.trackers_for(claims[:1], participant)
    fresh = list(
        selectors.claims_for_pricing()
        .select_related("assignment__mission__exam__session")
        .filter(pk__in=[c.pk for c in claims])
    )
    with CaptureQueriesContext(connection) as many:
        tracker.trackers_for(fresh, participant)
    assert len(few.captured_queries) == len(many.captured_queries)


def submitted_claim(participant, manager, centre):
    assignment = factories.AssignmentFactory(
        participant=participant, mission=factories.MissionFactory(centre=centre)
    )
    claim = services.convocation_issue(assignment=assignment, by=manager)
    fresh = submitted(claim, participant)
    return (
        selectors.claims_for_pricing()
        .select_related("assignment__mission__exam__session")
        .get(pk=fresh.pk)
    )


def test_the_demo_centre_head_signs_in_and_sees_the_demo_missions(client):
    call_command("seed_demo", verbosity=0, stdout=StringIO())
    head = authenticate(username="chefcentre", password="demo-chef-2027")
    assert head is not None and head.groups.filter(name=CENTRE_HEAD).exists()
    demo_centres = set(Centre.objects.filter(missions__isnull=False))
    assert {link.centre for link in head.headed_centres.all()} == demo_centres
    client.force_login(head)
    text = _text(client.get(LIST))
    assert "Paul Durand" in text and "service fait certifié" in text


def test_a_bulk_chunk_reads_the_certificates_in_one_query(
    settings, head, centre, manager
):
    settings.SERVICE_FAIT_REQUIRED = True
    counts = []
    for size in (1, 4):
        claims = [
            claim_in(S.SUBMITTED, factories.UserFactory(), manager, centre=centre)
            for _ in range(size)
        ]
        service_certify(
            assignments=[claim.assignment for claim in claims], present=True, by=head
        )
        with CaptureQueriesContext(connection) as queries:
            outcomes = bulk_review.approve_chunk(
                claim_ids=[claim.pk for claim in claims], by=manager
            )
        assert all(outcome.ok for outcome in outcomes)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_list_pages_through_many_missions_recent_first(
    client, head, centre, manager
):
    now = timezone.now()
    for days in range(12):
        mission = factories.MissionFactory(
            centre=centre,
            starts_at=now - timedelta(days=days + 1),
            epreuve__name=f"Épreuve J-{days + 1}",
        )
        _convoked_to(mission, manager)
    client.force_login(head)
    first = _text(client.get(LIST))
    assert first.index("Épreuve J-1<") < first.index("Épreuve J-2<")
    assert "Épreuve J-12<" not in first
    assert "Épreuve J-12<" in _text(client.get(LIST + "?page=2"))
    assert client.get(LIST + "?page=x").status_code == 200


# ------------------------------------------------------------ hostile input


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    presence=st.one_of(st.sampled_from(["present", "absent", ""]), hostile_text()),
    comment=hostile_text(max_size=3000),
    junk=junk_fields(max_fields=5),
    all_present=st.booleans(),
)
def test_the_certificate_form_takes_hostile_input_without_error(
    client, head, mission, manager, presence, comment, junk, all_present
):
    """Whatever a browser posts, an answer in French and never a 500; what
    is stored is printable."""
    assignment = _convoked_to(mission, manager)
    client.force_login(head)
    data = {
        **junk,
        f"presence-{assignment.pk}": presence,
        f"comment-{assignment.pk}": comment,
    }
    if all_present:
        data["all_present"] = "1"
    with transaction.atomic():
        response = client.post(
            reverse("missions:centre_mission", args=[mission.pk]), data
        )
        assert_no_server_error(response)
        for certificate in ServiceCertificate.objects.all():
            assert not CONTROL_CHARACTERS.search(certificate.comment)
        transaction.set_rollback(True)
