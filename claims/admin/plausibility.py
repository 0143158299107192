"""The plausibility points in the back-office: the queue's filter on the stored
codes, and the points shown on the review page (claims.plausibility)."""

from __future__ import annotations

from statistics import median

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims import plausibility, selectors
from claims.models import Claim, ClaimStatus

# The claims a median amount is taken from: submitted or validated ones.
COMPARED = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.APPROVED,
    ClaimStatus.IN_PAYMENT,
    ClaimStatus.PAID,
)


class PlausibilityFilter(admin.SimpleListFilter):
    """« Points à vérifier »: any of them, or one kind (stored codes only: the
    median comparison is made on the review page)."""

    title = gettext_lazy("points à vérifier")
    parameter_name = "a_verifier"

    def lookups(self, request, model_admin):
        return [
            ("tous", _("Avec au moins un point")),
            *plausibility.STORED_LABELS.items(),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "tous":
            return queryset.exclude(plausibility_codes="")
        if value in plausibility.STORED_LABELS:
            # Codes are stored wrapped in commas: ",volume," matches one exactly.
            return queryset.filter(plausibility_codes__icontains=f",{value},")
        return queryset


def review_flags(claim: Claim, total) -> list[plausibility.Flag]:
    """Every point of `claim` (whose amount is `total`), the median comparison
    included: computed now, from the mission's other submitted or validated
    claims (a fixed number of queries whatever their number)."""
    others = list(
        selectors.claims_for_pricing()
        .filter(assignment__mission_id=claim.assignment.mission_id, status__in=COMPARED)
        .exclude(pk=claim.pk)
        .prefetch_related("trips", "meals", "nights", "lines")
    )
    totals = [
        priced.total
        for priced in selectors.amounts_of(others).values()
        if priced.total is not None
    ]
    return plausibility.flags(
        claim,
        mission_days=plausibility.mission_days(claim.assignment.mission),
        median_total=(
            median(totals) if len(totals) >= plausibility.MEDIAN_MIN_CLAIMS else None
        ),
        total=total,
    )
