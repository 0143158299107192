"""Convocations to post carry the participant's postal address, placed for a
window envelope; e-mailed ones do not; a convocation that cannot be posted
is reported on the run's page; the address is typed in the profile and in
the back-office's creation forms."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import User
from accounts.postal import postal_lines
from claims import runs
from claims.models import ConvocationRun
from missions.models import Assignment
from tests import factories


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(content)).pages
    )


@pytest.mark.parametrize(
    ("address", "commune", "lines"),
    [
        ("8 rue des Carmes, 76000 Rouen", None, ["8 rue des Carmes", "76000 ROUEN"]),
        (
            "Bât. B,  3 allée X 97400 Saint-Denis",
            None,
            ["Bât. B", "3 allée X", "97400 SAINT-DENIS"],
        ),
        ("8 rue des Carmes", ("Rouen", "76000"), ["8 rue des Carmes", "76000 ROUEN"]),
        ("8 rue des Carmes", ("Rouen", ""), []),
        ("8 rue des Carmes", None, []),
        ("76000 Rouen", None, []),
        ("", ("Rouen", "76000"), []),
    ],
)
def test_the_lines_of_an_address(db, address, commune, lines):
    person = User(address=address)
    if commune:
        person.commune = factories.CommuneFactory(
            name=commune[0], postal_code=commune[1]
        )
    assert postal_lines(person) == lines


@pytest.fixture
def session(db):
    return factories.ExamSessionFactory(name="Session 2027")


@pytest.fixture
def two_convoked(session, participant, external_participant):
    """The agent has an e-mail address; the external participant has none."""
    User.objects.filter(pk=participant.pk).update(
        address="8 rue des Carmes, 76000 Rouen"
    )
    User.objects.filter(pk=external_participant.pk).update(
        email="", address="3 allée des Tilleuls, 27000 Évreux"
    )
    exam = factories.ExamFactory(session=session)
    for person in (participant, external_participant):
        Assignment.objects.create(
            mission=factories.MissionFactory(exam=exam, epreuve__exam=exam),
            participant=person,
        )


def official_run(session, manager) -> ConvocationRun:
    run = ConvocationRun.objects.create(
        kind="official", session=session, created_by=manager
    )
    return runs.run_execute(run.pk)


def test_a_convocation_to_post_carries_the_address_an_emailed_one_does_not(
    session,
    two_convoked,
    manager,
    participant,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    with django_capture_on_commit_callbacks(execute=True):
        run = official_run(session, manager)
    posted = pdf_text(run.document.read())
    assert "Sophie Bernard 3 allée des Tilleuls 27000 ÉVREUX" in posted
    assert run.to_post == [
        {"id": run.to_post[0]["id"], "name": "Sophie Bernard"}
    ]  # complete: nothing to report
    (mail,) = mailoutbox
    emailed = pdf_text(mail.attachments[0][1])
    assert "Paul Durand" in emailed
    assert "rue des Carmes" not in emailed and "ROUEN" not in emailed


def test_a_convocation_that_cannot_be_posted_is_reported(
    client, session, two_convoked, manager, external_participant
):
    User.objects.filter(pk=external_participant.pk).update(
        address="3 allée des Tilleuls", commune=None
    )
    run = official_run(session, manager)
    assert run.to_post[0]["no_address"] is True
    client.force_login(manager)
    page = client.get(
        reverse("admin:claims_convocationrun_change", args=[run.pk])
    ).content.decode()
    assert "adresse postale manquante ou incomplète" in page
    assert "Sophie Bernard" in page


def test_the_profile_saves_the_address_and_refuses_a_control_character(
    client, participant
):
    client.force_login(participant)
    data = {
        "email": participant.email,
        "phone": "02 35 00 00 00",
        "address": "8 rue des Carmes, 76000 Rouen",
        "commune": participant.commune_id,
        "establishment": participant.establishment_id,
        "notification_frequency": participant.notification_frequency,
    }
    assert client.post(reverse("accounts:profile"), data).status_code == 302
    participant.refresh_from_db()
    assert participant.address == "8 rue des Carmes, 76000 Rouen"
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "avec le code postal et la commune" in page
    hostile = {**data, "address": "9 rue\x00 Verte, 76000 Rouen"}
    response = client.post(reverse("accounts:profile"), hostile)
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.address == "8 rue des Carmes, 76000 Rouen"


def test_the_back_office_creation_forms_take_the_address(client, manager):
    client.force_login(manager)
    url = reverse("admin:accounts_user_create_external")
    response = client.post(
        url,
        {
            "last_name": "Leroy",
            "first_name": "Anne",
            "address": "3 allée des Tilleuls, 27000 Évreux",
        },
    )
    assert response.status_code == 200
    created = User.objects.get(last_name="Leroy")
    assert postal_lines(created) == ["3 allée des Tilleuls", "27000 ÉVREUX"]
    refused = client.post(
        url,
        {"last_name": "Noir", "first_name": "Jean", "address": "1 rue\x1b[31m"},
    )
    assert refused.status_code == 200 and not User.objects.filter(last_name="Noir")
    commune = factories.CommuneFactory(name="Rouen", postal_code="76000")
    client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "agent.neuf",
            "first_name": "Luc",
            "last_name": "Neuf",
            "email": "",
            "address": "8 rue des Carmes",
            "commune": commune.pk,
        },
    )
    agent = User.objects.get(username="agent.neuf")
    assert postal_lines(agent) == ["8 rue des Carmes", "76000 ROUEN"]
