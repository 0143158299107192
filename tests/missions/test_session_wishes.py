"""A participant's wishes for a session (« Mes souhaits pour la session » on
their availability page): maximum of missions and preferred centres, their
own only, refused input shown again, hostile input never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from imagin.audit import AuditEvent
from missions.models import SessionWish
from tests import factories
from tests.hostile import assert_no_server_error, hostile_number_text, hostile_text


@pytest.fixture
def declaring(participant):
    """A session open to declarations with one mission, hence one centre."""
    session = factories.ExamSessionFactory()
    factories.MissionFactory(exam=factories.ExamFactory(session=session))
    return session, reverse("missions:availability", args=[session.pk])


@pytest.mark.django_db
def test_a_participant_declares_their_wishes(client, participant, declaring):
    session, url = declaring
    centre = session.exams.get().missions.get().centre
    client.force_login(participant)
    page = client.get(url).content.decode()
    assert "Mes souhaits pour la session" in page and centre.name in page
    response = client.post(
        url, {"wishes": "1", "max_missions": "3", "centres": [centre.pk]}
    )
    assert response.status_code == 302
    wish = SessionWish.objects.get(participant=participant, session=session)
    assert wish.max_missions == 3 and list(wish.preferred_centres.all()) == [centre]
    assert AuditEvent.objects.filter(action="missions.wishes.declared").exists()
    # Refused: what was typed is shown again, nothing saved.
    response = client.post(url, {"wishes": "1", "max_missions": "99"})
    assert response.status_code == 200
    assert 'value="99"' in response.content.decode()
    wish.refresh_from_db()
    assert wish.max_missions == 3
    # A centre of another session is not a choice.
    other = factories.CentreFactory()
    client.post(url, {"wishes": "1", "centres": [other.pk]})
    assert list(wish.preferred_centres.all()) == [centre]


@pytest.mark.django_db
def test_the_wishes_are_one_s_own_and_need_signing_in(client, declaring):
    _session, url = declaring
    assert client.post(url, {"wishes": "1", "max_missions": "2"}).status_code == 302
    assert not SessionWish.objects.exists()


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(number=hostile_number_text(), centre=hostile_text(40))
def test_hostile_wishes_are_never_a_server_error(
    client, participant, declaring, number, centre
):
    _session, url = declaring
    client.force_login(participant)
    response = client.post(
        url, {"wishes": "1", "max_missions": number, "centres": [centre]}
    )
    assert_no_server_error(response)
    if response.status_code == 200:  # refused: the section is shown again
        assert "Mes souhaits pour la session" in response.content.decode()
