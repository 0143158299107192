"""`{{ mission|mission_days }}`: the days of a mission, as the claim list
shows them ("3 juin 2027", or "3 juin 2027 – 5 juin 2027"); another date
format as argument (`{{ mission|mission_days:"j/m/Y" }}`, the recap PDF)."""

from __future__ import annotations

from django import template
from django.utils import formats, timezone

register = template.Library()

DAY_FORMAT = "j M Y"


@register.filter
def mission_days(mission, day_format: str = DAY_FORMAT) -> str:
    """What `{{ starts_at|date:"j M Y" }}{% if the end is another day %} –
    {{ ends_at|date:"j M Y" }}{% endif %}` shows, in local time, in two
    calls instead of four filters and a comparison per row."""
    start = timezone.localtime(mission.starts_at)
    end = timezone.localtime(mission.ends_at)
    first = formats.date_format(start, day_format)
    if end.date() == start.date():
        return first
    return f"{first} – {formats.date_format(end, day_format)}"
