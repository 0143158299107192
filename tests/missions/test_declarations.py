"""A participant declares competences and availability; reads their convocations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from missions.models import Availability, Competence
from tests import factories
from tests.html import assert_strict_csp_page


@pytest.fixture
def session(db):
    session = factories.ExamSessionFactory(
        assignment_closes_on=timezone.localdate() + timedelta(days=10)
    )
    start = timezone.now() + timedelta(days=20)
    factories.MissionFactory(
        exam__session=session, starts_at=start, ends_at=start + timedelta(days=2)
    )
    return session


def test_declaring_competences(client, participant, session):
    client.force_login(participant)
    epreuve = session.exams.get().epreuves.get()
    url = reverse("missions:competences", args=[session.pk])
    response = client.get(url)
    assert_strict_csp_page(response)
    assert epreuve.discipline.name in response.content.decode()
    response = client.post(url, {"epreuves": [epreuve.pk]}, follow=True)
    assert "Vos compétences sont enregistrées" in response.content.decode()
    assert Competence.objects.filter(participant=participant, epreuve=epreuve).exists()
    client.post(url, {})
    assert not Competence.objects.exists()
    # An épreuve of another session, or garbage, is refused without a 500.
    other = factories.EpreuveFactory()
    assert client.post(url, {"epreuves": [other.pk, "x"]}).status_code == 200
    assert not Competence.objects.exists()


def test_declaring_availability_and_every_day(client, participant, session):
    client.force_login(participant)
    url = reverse("missions:availability", args=[session.pk])
    response = client.get(url)
    assert_strict_csp_page(response)
    day = timezone.localdate(timezone.now() + timedelta(days=20))
    client.post(url, {"half_days": [f"{day:%Y-%m-%d}:am"]})
    assert list(Availability.objects.values_list("date", "half_day")) == [(day, "am")]
    response = client.post(url, {"every_day": "1"}, follow=True)
    assert "disponible tous les jours" in response.content.decode()
    assert Availability.objects.count() == 6  # three days, two half-days
    assert client.post(url, {"half_days": ["2000-01-01:xx"]}).status_code == 200


def test_after_the_closing_date_the_pages_are_read_only(client, participant, session):
    session.assignment_closes_on = timezone.localdate() - timedelta(days=1)
    session.save()
    client.force_login(participant)
    url = reverse("missions:competences", args=[session.pk])
    response = client.get(url)
    assert "lecture seule" in response.content.decode()
    epreuve = session.exams.get().epreuves.get()
    response = client.post(url, {"epreuves": [epreuve.pk]})
    assert "closes" in response.content.decode()
    assert not Competence.objects.exists()
    client.post(reverse("missions:availability", args=[session.pk]), {"every_day": "1"})
    assert not Availability.objects.exists()


def test_declaration_pages_need_a_sign_in(client, session):
    for url in (
        reverse("missions:declarations"),
        reverse("missions:competences", args=[session.pk]),
        reverse("missions:convocations"),
    ):
        assert client.get(url).status_code == 302


def test_mes_convocations_lists_and_downloads_only_ones_own(
    client, convoked_claim, participant, outsider
):
    assignment = convoked_claim.assignment
    client.force_login(participant)
    response = client.get(reverse("missions:convocations"))
    assert_strict_csp_page(response)
    assert assignment.mission.centre.name in response.content.decode()
    url = reverse("missions:convocation_download", args=[assignment.pk])
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    text = "".join(
        page.extract_text()
        for page in PdfReader(__import__("io").BytesIO(response.content)).pages
    )
    assert "Convocation" in text and assignment.mission.centre.name in text
    assert "Mot de passe provisoire" not in text
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert (
        assignment.mission.centre.name
        not in client.get(reverse("missions:convocations")).content.decode()
    )
