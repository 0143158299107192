"""Amounts computed by hand from the regulation, against the shipped rate tables.

Each expected figure below was worked out on paper from the regulation's tables
(and the sources of claims/migrations/0003_official_rates.py): quantity ×
rate, each line rounded half-up to the cent; what is paid (remuneration,
travel) the sum of the lines, rounded to the franc in XPF.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from claims import amounts
from claims.amounts import ClaimInput, MealInput, NightInput, TripInput
from claims.money import round_money
from tests.claims.claim_inputs import (
    DAY,
    NOTHING,
    D,
    book,
    car,
    competition,
    diploma,
    travel,
    work,
)
from tests.claims.hand_cases import CASES

# The rate tables are read from the test database (see the `tables` fixture).
pytestmark = pytest.mark.django_db


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("claim", "zone", "currency", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_amount_computed_by_hand(tables, claim, zone, currency, expected):
    result = amounts.compute(claim, book(tables, zone, currency))
    assert result.problems == ()
    assert result.total == D(expected)
    # What is paid: the lines' sums, rounded to the franc in XPF.
    assert result.remuneration == round_money(result.lines_remuneration, currency)
    assert result.travel == round_money(result.lines_travel, currency)
    assert result.total == result.remuneration + result.travel
    if currency == "EUR":
        assert result.total == sum(line.amount for line in result.lines)


def test_the_band_split_is_in_the_lines(tables):
    result = amounts.compute(
        travel(trips=[car(300, 6)], prior_km={2027: 1900}), book(tables)
    )
    assert [(line.quantity, line.unit_rate, line.amount) for line in result.lines] == [
        (D(100), D("0.41"), D("41.00")),
        (D(200), D("0.51"), D("102.00")),
    ]


def test_remuneration_and_travel_are_kept_apart(tables):
    claim = ClaimInput(
        service=diploma("per_copy", copies=10),
        trips=[car(100, 5)],
        meals=[MealInput(DAY)],
    )
    result = amounts.compute(claim, book(tables))
    assert (result.remuneration, result.travel, result.total) == (
        D("50.00"),
        D("52.00"),
        D("102.00"),
    )


@pytest.mark.parametrize(
    ("claim", "problem"),
    [
        (work(diploma("per_copy")), "copies corrigées"),
        (work(diploma("per_hour")), "nombre d'heures"),
        (work(diploma("per_candidate")), "candidats"),
        (
            work(diploma("per_candidate", candidates=12)),
            "durée d'interrogation par candidat de l'épreuve n'est pas renseignée",
        ),
        (work(diploma("per_application", vae_coefficient=D(1))), "dossiers de VAE"),
        (work(diploma("per_application", candidates=2)), "coefficient VAE"),
        (
            work(competition("per_application", "A1", candidates=2)),
            "jurys de diplômes",
        ),
        (work(competition("per_copy", "", copies=3)), "catégorie du corps"),
        (work(diploma("per_copy", copy_level="", copies=3)), "taux de rémunération"),
        (work(replace(NOTHING, basis="manager_entered")), "saisi par le gestionnaire"),
        # No jury table before the arrêté du 13 avril 2012.
        (work(diploma("per_copy", day=date(2012, 4, 12), copies=3)), "Aucun barème"),
        # Diplomas have no flat rate in the shipped tables.
        (work(diploma("flat")), "n'a pas de taux"),
        (travel(trips=[TripInput(None, "car", 5, 10)]), "pas de date"),
        (travel(trips=[TripInput(DAY, "car", None, 10)]), "puissance fiscale"),
        (travel(trips=[TripInput(DAY, "public_transport")]), "prix du billet"),
        (travel(trips=[TripInput(DAY, "")]), "moyen de transport"),
        (travel(meals=[MealInput(None)]), "repas"),
        (travel(nights=[NightInput(None)]), "nuitée"),
    ],
)
def test_what_is_missing_is_said_and_not_guessed(tables, claim, problem):
    result = amounts.compute(claim, book(tables))
    assert any(problem in text for text in result.problems), result.problems
    assert result.total == 0


@pytest.mark.parametrize(
    ("already", "distance", "parts"),
    [
        (1900, 300, [("1", 100), ("2", 200)]),
        (0, 2000, [("1", 2000)]),
        (2000, 1, [("2", 1)]),
        (9990, 20, [("2", 10), ("3", 10)]),
        (1000, 10000, [("1", 1000), ("2", 8000), ("3", 1000)]),
        (15000, 10, [("3", 10)]),
        (500, 0, []),
    ],
)
def test_band_split_examples(already, distance, parts):
    assert amounts.split_distance(already, distance) == [
        (band, D(km)) for band, km in parts
    ]
