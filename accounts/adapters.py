"""allauth behaviour for IMAG'IN."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by the exam division (or single sign-on), never
        # by a visitor: an external participant must be known before being paid.
        return False
