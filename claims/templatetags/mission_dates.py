"""A mission's days and hours, in local time (settings.TIME_ZONE, or the
time zone activated), months named in the language of the page:

- `{{ mission|mission_days }}`: its days, as the claim list shows them
  ("3 juin 2027", or "3 juin 2027 – 5 juin 2027"; "3 June 2027" in
  English); another date format as argument (`{{ mission|mission_days:"d/m/Y" }}`,
  the recap PDF);
- `{{ mission|mission_period }}`: its days and hours ("23 janvier 2027,
  08:00 – 17:00", or "23 janvier 2027, 08:00 – 24 janvier 2027, 17:00");
- `{% if mission|several_days %}`: whether it ends on another day than it
  starts.

Days are compared in local time: a mission from 08:00 to 17:00 in Nouméa
starts and ends on two dates in UTC, and is still a one-day mission.

"j F Y", as every date of the site: the month's full name, which Django
translates ("M" wrote "Jui" for both juin and juillet), and the same order
in both languages (the "en" locale's own DATE_FORMAT is American, "N j, Y").
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone

register = template.Library()

DAY_FORMAT = "j F Y"
HOUR_FORMAT = "H:i"


def _local(mission) -> tuple[datetime, datetime]:
    return timezone.localtime(mission.starts_at), timezone.localtime(mission.ends_at)


@register.filter
def several_days(mission) -> bool:
    start, end = _local(mission)
    return end.date() != start.date()


@register.filter
def mission_days(mission, day_format: str = DAY_FORMAT) -> str:
    start, end = _local(mission)
    first = formats.date_format(start, day_format)
    if end.date() == start.date():
        return first
    return f"{first} – {formats.date_format(end, day_format)}"


@register.filter
def mission_period(mission, day_format: str = DAY_FORMAT) -> str:
    start, end = _local(mission)
    begins = (
        f"{formats.date_format(start, day_format)}, "
        f"{formats.time_format(start, HOUR_FORMAT)}"
    )
    if end.date() == start.date():
        return f"{begins} – {formats.time_format(end, HOUR_FORMAT)}"
    return (
        f"{begins} – {formats.date_format(end, day_format)}, "
        f"{formats.time_format(end, HOUR_FORMAT)}"
    )
