"""{% session_timeout %}: the dialog that warns before the idle timeout
(imagin/session_timeout.py), on the pages of a signed-in person."""

from __future__ import annotations

from django import template

from imagin import session_timeout as timeout

register = template.Library()


@register.inclusion_tag("partials/_session_timeout.html", takes_context=True)
def session_timeout(context: template.Context) -> dict[str, object]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "shown": bool(user and user.is_authenticated),
        "seconds_left": timeout.seconds_left(),
        "warning_seconds": timeout.warning_seconds(),
    }
