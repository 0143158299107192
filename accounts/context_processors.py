"""Template context about the signed-in user's roles."""

from __future__ import annotations

from functools import partial

from django.http import HttpRequest

from accounts.roles import is_back_office_user


def roles(request: HttpRequest) -> dict[str, object]:
    # Called by the template only where it asks (one query, for staff only).
    return {"is_back_office_user": partial(is_back_office_user, request.user)}
