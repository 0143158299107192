"""What every participant claim page starts with: the claim, if it is theirs."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from claims import selectors
from claims.models import Claim


def own_claim(request: HttpRequest, pk: int, *related: str) -> Claim:
    """The signed-in user's claim `pk`, loaded for the entry pages, with the
    `related` rows the page shows ("documents"); 404 for anyone else's."""
    try:
        return selectors.claim_for_participant(request.user, pk, related=related)
    except Claim.DoesNotExist:
        raise Http404 from None


def posted_version(request: HttpRequest) -> int:
    """The claim version the posted form was opened at."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0  # never a claim's version: handled as "changed meanwhile"
