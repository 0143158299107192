"""A mission's days and hours in local time, whatever the time zone, for
missions of one day and of several, on "Mes convocations", in the
convocation PDF and in e-mails; months named in the reader's language.

Nouméa (UTC+11): a mission from 08:00 to 17:00 there starts the day before
in UTC, so comparing UTC dates made it a two-day mission."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from claims.templatetags.mission_dates import (
    mission_days,
    mission_period,
    several_days,
)
from missions.convocations import Convocation, convocations_pdf
from tests.claims.entry_helpers import convoke, page_text, pdf_text

pytestmark = pytest.mark.django_db


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# 23 January 2027, 08:00 – 17:00 in Nouméa: 22 January 21:00 – 23 January
# 06:00 in UTC.
ONE_DAY = {"starts_at": utc("2027-01-22 21:00"), "ends_at": utc("2027-01-23 06:00")}
# 23 January 08:00 – 24 January 17:00 in Nouméa.
TWO_DAYS = {"starts_at": utc("2027-01-22 21:00"), "ends_at": utc("2027-01-24 06:00")}


@pytest.fixture
def noumea(settings):
    settings.TIME_ZONE = "Pacific/Noumea"


@pytest.mark.usefixtures("noumea")
def test_a_one_day_mission_across_midnight_utc_is_one_day():
    mission = SimpleNamespace(**ONE_DAY)
    assert not several_days(mission)
    with translation.override("fr"):
        assert mission_days(mission) == "23 janvier 2027"
        assert mission_period(mission) == "23 janvier 2027, 08:00 – 17:00"
    with translation.override("en"):
        assert mission_days(mission) == "23 January 2027"
        assert mission_period(mission) == "23 January 2027, 08:00 – 17:00"


@pytest.mark.usefixtures("noumea")
def test_a_two_day_mission_shows_both_days():
    mission = SimpleNamespace(**TWO_DAYS)
    assert several_days(mission)
    with translation.override("fr"):
        assert mission_days(mission) == "23 janvier 2027 – 24 janvier 2027"
        assert (
            mission_period(mission) == "23 janvier 2027, 08:00 – 24 janvier 2027, 17:00"
        )
        assert mission_days(mission, "d/m/Y") == "23/01/2027 – 24/01/2027"
    with translation.override("en"):
        assert mission_days(mission) == "23 January 2027 – 24 January 2027"


def test_months_are_named_in_the_readers_language():
    """June and July, both "Jui" with the "M" format in French."""
    june = SimpleNamespace(
        starts_at=utc("2027-06-03 06:00"), ends_at=utc("2027-06-03 14:00")
    )
    july = SimpleNamespace(
        starts_at=utc("2027-07-03 06:00"), ends_at=utc("2027-07-05 14:00")
    )
    with translation.override("fr"):
        assert mission_days(june) == "3 juin 2027"
        assert mission_days(july) == "3 juillet 2027 – 5 juillet 2027"
    with translation.override("en"):
        assert mission_days(june) == "3 June 2027"
        assert mission_days(july) == "3 July 2027 – 5 July 2027"


@pytest.mark.usefixtures("noumea")
@pytest.mark.parametrize(
    ("dates", "shown", "not_shown"),
    [
        (ONE_DAY, "23 janvier 2027, 08:00 – 17:00", "22 janvier"),
        (TWO_DAYS, "23 janvier 2027, 08:00 – 24 janvier 2027, 17:00", "22 janvier"),
    ],
)
def test_my_convocations_show_the_missions_local_days(
    client, participant, manager, dates, shown, not_shown
):
    convoke(participant, manager, **dates)
    client.force_login(participant)
    with translation.override("fr"):
        text = page_text(client.get(reverse("missions:convocations")))
    assert shown in text and not_shown not in text


@pytest.mark.usefixtures("noumea")
@pytest.mark.parametrize(
    ("dates", "shown"),
    [
        (ONE_DAY, "samedi 23 janvier 2027 08:00 – 17:00 À apporter"),
        (
            TWO_DAYS,
            "samedi 23 janvier 2027, 08:00 – dimanche 24 janvier 2027, 17:00 "
            "À apporter",
        ),
    ],
)
def test_the_convocation_pdf_shows_the_missions_local_days(
    participant, manager, dates, shown
):
    claim = convoke(participant, manager, **dates)
    convocation = Convocation(participant, [claim.assignment])
    with translation.override("fr"):
        text = pdf_text(convocations_pdf([convocation]))
    assert shown in text and "22 janvier" not in text


@pytest.mark.usefixtures("noumea")
def test_the_convocation_e_mail_shows_both_days_in_the_readers_language(
    participant, manager
):
    claim = convoke(participant, manager, **TWO_DAYS)
    context = {
        "participant": participant,
        "session": claim.assignment.mission.exam.session,
        "assignments": [claim.assignment],
    }
    with translation.override("fr"):
        french = render_to_string("emails/convocation-body.txt", context)
    with translation.override("en"):
        english = render_to_string("emails/convocation-body.txt", context)
    assert "samedi 23 janvier 2027, 08:00 – dimanche 24 janvier 2027, 17:00" in french
    assert "Saturday 23 January 2027, 08:00 – Sunday 24 January 2027, 17:00" in english
