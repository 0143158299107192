"""Template context about the signed-in user's roles."""

from __future__ import annotations

from functools import cache, partial

from django.http import HttpRequest

from accounts.roles import is_back_office_user


def roles(request: HttpRequest) -> dict[str, object]:
    # Called by the templates only where they ask, and once per request however
    # many ask (the header and the home page): one query, for staff only.
    return {"is_back_office_user": cache(partial(is_back_office_user, request.user))}
