"""The request a signed-in view receives.

Django hands every view a plain `HttpRequest` whose `user` may be anonymous.
Views behind `login_required` (or the admin site, which lets only active staff
members in) never see an anonymous user: they annotate their request with
`AuthenticatedHttpRequest`, django-stubs' documented pattern, so that
`request.user` is a `User` to the type checker. It is a type only: nothing
builds one at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL; imported for the checker only, so that this
    # module can be loaded before the apps are.
    from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
