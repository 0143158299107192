"""The sign-in page: allauth's, answering like the rest of the site to what a
browser should not send.

- A password longer than any the site accepts is refused next to its field,
  before anything authenticates (or hashes) it.
- Once failed attempts pass allauth's limit (`login_failed`: per address and
  per account), the answer is the 429 page, as for allauth's other limits,
  rather than the form again with a 200.
"""

from __future__ import annotations

from allauth.account.views import LoginView as AllauthLoginView
from allauth.core.ratelimit import respond_429
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import Form
from django.http import HttpResponse

from imagin.passwords import bound_password_field


class LoginView(AllauthLoginView):
    def get_form(self, form_class=None) -> Form:
        form = super().get_form(form_class)
        if "password" in form.fields:
            bound_password_field(form.fields["password"])
        return form

    def form_invalid(self, form: Form) -> HttpResponse:
        if form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts"):
            return respond_429(self.request)
        return super().form_invalid(form)


login = LoginView.as_view()
