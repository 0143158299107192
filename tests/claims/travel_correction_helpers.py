"""Claims with travel lines, submitted through the services, for the tests
of the division's correction of travel lines (issue 21)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from claims import services, steps
from claims.models import Claim
from tests.claims.entry_helpers import convoke

DECISION = "corriger-deplacements"


def car_trip(day, km=120, origin="Rouen", destination="Évreux") -> dict:
    return {
        "date": day,
        "origin": origin,
        "destination": destination,
        "mode": "car",
        "fiscal_horsepower": 6,
        "kilometres": km,
    }


def train_trip(day, fare="32.00", origin="Évreux", destination="Rouen") -> dict:
    return {
        "date": day,
        "origin": origin,
        "destination": destination,
        "mode": "public_transport",
        "fare": fare,
    }


def mission_day(claim: Claim):
    return timezone.localdate(claim.assignment.mission.starts_at)


def travel_claim(participant, manager, trips=None, meals=None, submit=True) -> Claim:
    """A claim of 40 copies with a travel part, its trips and meals typed by
    the participant (`trips(day)`, `meals(day)` build them from the mission's
    day), validated by them unless `submit` is False."""
    claim = convoke(participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    claim.refresh_from_db()
    day = mission_day(claim)
    rows = {
        "trips": trips(day) if trips else [car_trip(day)],
        "meals": meals(day) if meals else [],
        "nights": [],
    }
    for identifier, values in (
        ("mission", {}),
        ("service", {"copies_declared": 40}),
        ("deplacement", rows),
    ):
        step = steps.registered(identifier)
        own = {*step.fields(claim), *step.rows}
        claim = services.claim_step_save(
            claim=claim,
            by=participant,
            version=claim.version,
            step=identifier,
            values={name: value for name, value in values.items() if name in own},
            complete=True,
        )
    if submit:
        claim = services.claim_submit(
            claim=claim, by=participant, version=claim.version
        )[0]
    return claim


def a_duplicate_return(day):
    """Going by car, coming back by car and by train: the real case."""
    return [
        car_trip(day, km=172),
        car_trip(day, km=172, origin="Évreux", destination="Rouen"),
        train_trip(day),
    ]


def review_url(claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


def decision_url(claim) -> str:
    return reverse("admin:claims_claim_decision", args=[claim.pk, DECISION])


def row_data(claim: Claim, **changes) -> dict[str, str]:
    """The review page's travel form as shown (every line retained as it is),
    then `changes` by field name ("trip-12-kilometres": "52")."""
    data: dict[str, str] = {}
    for kind, related in (("trip", "trips"), ("meal", "meals"), ("night", "nights")):
        for line in getattr(claim, related).all():
            prefix = f"{DECISION}-{kind}-{line.pk}"
            if line.retained:
                data[f"{prefix}-retained"] = "on"
            for name in ("date", "origin", "destination", "mode", "kind", "zone"):
                if hasattr(line, name):
                    value = getattr(line, name)
                    data[f"{prefix}-{name}"] = "" if value is None else str(value)
            for name in ("fiscal_horsepower", "kilometres", "fare"):
                if hasattr(line, name) and getattr(line, name) is not None:
                    data[f"{prefix}-{name}"] = str(getattr(line, name)).replace(
                        ".", ","
                    )
            if getattr(line, "administrative_restaurant", False):
                data[f"{prefix}-administrative_restaurant"] = "on"
    for name, value in changes.items():
        key = f"{DECISION}-{name}"
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data
