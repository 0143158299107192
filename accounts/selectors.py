"""Reads on accounts."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import ExternalParticipantRequest, User


def request_possible_duplicates(request: ExternalParticipantRequest) -> QuerySet[User]:
    """People already known who may be the requester: same e-mail, or same name."""
    return User.objects.filter(
        Q(email__iexact=request.email)
        | Q(last_name__iexact=request.last_name, first_name__iexact=request.first_name)
    ).order_by("last_name", "first_name")
