"""Whether a mission gives a participant the right to travel expenses.

Décret 2006-781: travel is paid only for a mission outside the commune of the
participant's residence and of their main establishment, and not in a commune
neighbouring either of them.
"""

from __future__ import annotations

from django.conf import settings

from accounts.models import User
from missions.models import Mission


def travel_eligible(*, participant: User, mission: Mission) -> bool:
    """Pure rule on loaded objects; the caller select_related the communes."""
    if not settings.TRAVEL_ENABLED or not mission.mission_type.travel_eligible:
        return False
    destination = mission.centre.commune
    home_communes = {
        commune
        for commune in (
            participant.commune,
            participant.establishment.commune if participant.establishment else None,
        )
        if commune is not None
    }
    if not home_communes:
        # Without a known residence nobody can tell the trip is payable. The
        # travel part is decided once, when the convocation opens the claim:
        # the exam division completes the profile before convoking.
        return False
    if destination in home_communes:
        return False
    neighbour_ids = {
        pk
        for commune in home_communes
        for pk in commune.neighbours.values_list("pk", flat=True)
    }
    return destination.pk not in neighbour_ids
