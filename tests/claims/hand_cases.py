"""The hand-worked cases of `test_amounts.py`: each claim with the total
worked out on paper from the regulation's rate tables and the sources of
claims/migrations/0003_official_rates.py (quantity × rate, each line rounded
half-up to the cent; what is paid, remuneration and travel, the sum of the
lines, rounded to the franc in XPF).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from claims.amounts import MealInput, NightInput, TripInput
from tests.claims.claim_inputs import (
    DAY,
    NOTHING,
    D,
    car,
    competition,
    diploma,
    travel,
    work,
)

EUR, XPF = "EUR", "XPF"
# (case id, claim, zone, currency, expected total)
REMUNERATION_CASES = [
    # Diplomas, correction per copy: taux 1 to 5 (0,75 / 1,10 / 1,73 / 2,47 / 5,00).
    (
        "copy-taux1",
        work(diploma("per_copy", copy_level="1", copies=100)),
        "mainland",
        EUR,
        "75.00",
    ),
    (
        "copy-taux2",
        work(diploma("per_copy", copy_level="2", copies=100)),
        "mainland",
        EUR,
        "110.00",
    ),
    (
        "copy-taux3",
        work(diploma("per_copy", copy_level="3", copies=37)),
        "mainland",
        EUR,
        "64.01",
    ),
    (
        "copy-taux4",
        work(diploma("per_copy", copy_level="4", copies=45)),
        "mainland",
        EUR,
        "111.15",
    ),
    (
        "copy-taux5-bac",
        work(diploma("per_copy", copy_level="5", copies=120)),
        "mainland",
        EUR,
        "600.00",
    ),
    # Diplomas, oral or practical per hour: taux 1 to 4 (4,11 / 5,49 / 9,60 / 13,72).
    (
        "hour-taux1",
        work(diploma("per_hour", hour_level="1", hours=D(10))),
        "mainland",
        EUR,
        "41.10",
    ),
    # 7,5 h × 5,49 = 41,175: half-up gives 41,18.
    (
        "hour-taux2-half-up",
        work(diploma("per_hour", hour_level="2", hours=D("7.5"))),
        "mainland",
        EUR,
        "41.18",
    ),
    (
        "hour-taux3-bac",
        work(diploma("per_hour", hour_level="3", hours=D("12.25"))),
        "mainland",
        EUR,
        "117.60",
    ),
    (
        "hour-taux4",
        work(diploma("per_hour", hour_level="4", hours=D(3))),
        "mainland",
        EUR,
        "41.16",
    ),
    # Optional orals: 75 % of the oral hourly rate. 8 × 9,60 × 0,75 = 57,60;
    # 3 × 4,11 × 0,75 = 9,2475 -> 9,25.
    (
        "optional-oral-taux3",
        work(replace(diploma("per_hour", hours=D(8)), optional_oral=True)),
        "mainland",
        EUR,
        "57.60",
    ),
    (
        "optional-oral-taux1",
        work(
            replace(diploma("per_hour", hour_level="1", hours=D(3)), optional_oral=True)
        ),
        "mainland",
        EUR,
        "9.25",
    ),
    # Per candidate, diploma: by the hour (arrêté du 13 avril 2012), 30 × 20 min
    # = 10 h × 9,60 = 96,00 (was 30 × 5,00, the copy rate: wrong for orals).
    # More per-candidate, VAE and XPF cases: test_decompte_cases.py.
    (
        "per-candidate-hours-taux3",
        work(diploma("per_candidate", candidates=30, minutes_per_candidate=20)),
        "mainland",
        EUR,
        "96.00",
    ),
    # Competitions by corps category: per copy or file (6 / 5 / 3 / 2 €).
    (
        "competition-copy-A1",
        work(competition("per_copy", "A1", copies=50)),
        "mainland",
        EUR,
        "300.00",
    ),
    (
        "competition-copy-A2",
        work(competition("per_copy", "A2", copies=50)),
        "mainland",
        EUR,
        "250.00",
    ),
    (
        "competition-copy-B",
        work(competition("per_copy", "B", copies=50)),
        "mainland",
        EUR,
        "150.00",
    ),
    (
        "competition-copy-C",
        work(competition("per_copy", "C", copies=50)),
        "mainland",
        EUR,
        "100.00",
    ),
    # Per oral hour (45 / 30 / 17 / 10 €), 6,5 h.
    (
        "competition-hour-A1",
        work(competition("per_hour", "A1", hours=D("6.5"))),
        "mainland",
        EUR,
        "292.50",
    ),
    (
        "competition-hour-A2",
        work(competition("per_hour", "A2", hours=D("6.5"))),
        "mainland",
        EUR,
        "195.00",
    ),
    (
        "competition-hour-B",
        work(competition("per_hour", "B", hours=D("6.5"))),
        "mainland",
        EUR,
        "110.50",
    ),
    (
        "competition-hour-C",
        work(competition("per_hour", "C", hours=D("6.5"))),
        "mainland",
        EUR,
        "65.00",
    ),
    # Setting a written paper, flat (1 000 / 700 / 250 / 150 €).
    (
        "competition-paper-A1",
        work(competition("flat", "A1")),
        "mainland",
        EUR,
        "1000.00",
    ),
    (
        "competition-paper-A2",
        work(competition("flat", "A2")),
        "mainland",
        EUR,
        "700.00",
    ),
    ("competition-paper-B", work(competition("flat", "B")), "mainland", EUR, "250.00"),
    ("competition-paper-C", work(competition("flat", "C")), "mainland", EUR, "150.00"),
    # Unpaid ("NR") and manager-entered types.
    ("unpaid", work(NOTHING), "mainland", EUR, "0.00"),
    (
        "manager-entered",
        work(replace(NOTHING, basis="manager_entered", manager_amount=D("45.30"))),
        "mainland",
        EUR,
        "45.30",
    ),
]
TRAVEL_CASES = [
    # Meals: 17,50 € until 21 September 2023, 20 € from the 22nd; halved with
    # an administrative restaurant.
    (
        "meal-2023-09-21",
        travel(meals=[MealInput(date(2023, 9, 21))]),
        "mainland",
        EUR,
        "17.50",
    ),
    (
        "meal-2023-09-22",
        travel(meals=[MealInput(date(2023, 9, 22))]),
        "mainland",
        EUR,
        "20.00",
    ),
    (
        "meal-admin-2023-09-21",
        travel(meals=[MealInput(date(2023, 9, 21), administrative_restaurant=True)]),
        "mainland",
        EUR,
        "8.75",
    ),
    (
        "meal-admin-2023-09-22",
        travel(meals=[MealInput(date(2023, 9, 22), administrative_restaurant=True)]),
        "mainland",
        EUR,
        "10.00",
    ),
    # Last day of the 15,25 € table, first day of the 17,50 € one.
    (
        "meal-2019-12-31-last-day",
        travel(meals=[MealInput(date(2019, 12, 31))]),
        "mainland",
        EUR,
        "15.25",
    ),
    (
        "meal-2020-01-01-first-day",
        travel(meals=[MealInput(date(2020, 1, 1))]),
        "mainland",
        EUR,
        "17.50",
    ),
    (
        "two-meals-one-halved",
        travel(meals=[MealInput(DAY), MealInput(DAY, "dinner", True)]),
        "mainland",
        EUR,
        "30.00",
    ),
    # Nights by zone: 90 / 120 / 140 € since 22 September 2023 (70 / 90 / 110 before).
    (
        "night-standard-2023-09-22",
        travel(nights=[NightInput(date(2023, 9, 22))]),
        "mainland",
        EUR,
        "90.00",
    ),
    (
        "night-large-city-2027",
        travel(nights=[NightInput(DAY, "large_city")]),
        "mainland",
        EUR,
        "120.00",
    ),
    (
        "night-paris-2023-09-21",
        travel(nights=[NightInput(date(2023, 9, 21), "paris")]),
        "mainland",
        EUR,
        "110.00",
    ),
    (
        "night-paris-2027",
        travel(nights=[NightInput(DAY, "paris")]),
        "mainland",
        EUR,
        "140.00",
    ),
    # Mileage since 2022: ≤ 5 CV 0,32 / 0,40 / 0,23; 6-7 CV 0,41 / 0,51 / 0,30;
    # ≥ 8 CV 0,45 / 0,55 / 0,32.
    ("mileage-5cv-100km", travel(trips=[car(100, 5)]), "mainland", EUR, "32.00"),
    # 1 900 km already + 300 km: 100 × 0,41 + 200 × 0,51 = 41 + 102.
    (
        "mileage-crosses-2000",
        travel(trips=[car(300, 6)], prior_km={2027: 1900}),
        "mainland",
        EUR,
        "143.00",
    ),
    # 9 900 km already + 250 km: 100 × 0,55 + 150 × 0,32 = 55 + 48.
    (
        "mileage-crosses-10000",
        travel(trips=[car(250, 9)], prior_km={2027: 9900}),
        "mainland",
        EUR,
        "103.00",
    ),
    # 1 500 + 9 000 km: 500 × 0,32 + 8 000 × 0,40 + 500 × 0,23 = 160 + 3 200 + 115.
    (
        "mileage-crosses-both",
        travel(trips=[car(9000, 4)], prior_km={2027: 1500}),
        "mainland",
        EUR,
        "3475.00",
    ),
    (
        "mileage-beyond-10000",
        travel(trips=[car(77, 5)], prior_km={2027: 12000}),
        "mainland",
        EUR,
        "17.71",
    ),
    # Own trips fill the bands in date order: 1 950 km × 0,41 = 799,50, then
    # 100 km = 50 × 0,41 + 50 × 0,51 = 20,50 + 25,50.
    (
        "mileage-own-trips-cross",
        travel(trips=[car(100, 7, date(2027, 6, 16)), car(1950, 7)]),
        "mainland",
        EUR,
        "845.50",
    ),
    # Kilometres of another year do not count: a new year starts in band 1.
    (
        "mileage-new-year",
        travel(trips=[car(100, 5)], prior_km={2026: 15000}),
        "mainland",
        EUR,
        "32.00",
    ),
    # Last day of the 2019 figures (0,29), first day of 2022's (0,32).
    (
        "mileage-2021-12-31-last-day",
        travel(trips=[car(100, 5, date(2021, 12, 31))]),
        "mainland",
        EUR,
        "29.00",
    ),
    (
        "mileage-2022-01-01-first-day",
        travel(trips=[car(100, 5, date(2022, 1, 1))]),
        "mainland",
        EUR,
        "32.00",
    ),
    (
        "mileage-2008-figures",
        travel(trips=[car(100, 6, date(2019, 2, 28))]),
        "mainland",
        EUR,
        "32.00",
    ),
    # Public transport: the fare paid.
    (
        "public-transport",
        travel(trips=[TripInput(DAY, "public_transport", fare=D("37.45"))]),
        "mainland",
        EUR,
        "37.45",
    ),
    # XPF, Nouvelle-Calédonie / Polynésie française: to the franc.
    ("xpf-meal", travel(meals=[MealInput(DAY)]), "pacific", XPF, "2864"),
    (
        "xpf-meal-admin",
        travel(meals=[MealInput(DAY, administrative_restaurant=True)]),
        "pacific",
        XPF,
        "1432",
    ),
    ("xpf-night", travel(nights=[NightInput(DAY, "paris")]), "pacific", XPF, "14320"),
    (
        "xpf-night-2023-09-21",
        travel(nights=[NightInput(date(2023, 9, 21))]),
        "pacific",
        XPF,
        "10740",
    ),
    # 37 × 52,05 = 1 925,85 -> 1 926.
    ("xpf-mileage-rounds-up", travel(trips=[car(37, 5)]), "pacific", XPF, "1926"),
    # 10 × 61,05 = 610,50 and 5 × 72,88 = 364,40: 974,90 -> 975.
    (
        "xpf-mileage-band-lines",
        travel(trips=[car(15, 8)], prior_km={2027: 1990}),
        "pacific",
        XPF,
        "975",
    ),
    # Two trips of 10 km × 52,05 = 520,50 each: lines keep their centimes and
    # only what is paid is rounded to the franc (the regulation: "only amounts
    # to pay are rounded"): 1 041,00 -> 1 041. Was 1 042, each line rounded.
    (
        "xpf-only-total-rounded",
        travel(trips=[car(10, 5), car(10, 5, date(2027, 6, 16))]),
        "pacific",
        XPF,
        "1041",
    ),
    # Jury rates are in euros, converted at 119,331 74: 100 × 5 € = 59 665,87 -> 59 666.
    ("xpf-bac-copies", work(diploma("per_copy", copies=100)), "pacific", XPF, "59666"),
    # 3 h × 4,11 € × 119,331 74 = 1 471,36 -> 1 471.
    (
        "xpf-hours-taux1",
        work(diploma("per_hour", hour_level="1", hours=D(3))),
        "pacific",
        XPF,
        "1471",
    ),
    # Wallis-et-Futuna has its own mileage: 2 500 km already, ≤ 5 CV, 100 × 93,82.
    (
        "wallis-mileage",
        travel(trips=[car(100, 5)], prior_km={2027: 2500}),
        "wallis",
        XPF,
        "9382",
    ),
    # The Pacific figures in euros, for a deployment paying in euros.
    (
        "pacific-eur-meal-and-night",
        travel(meals=[MealInput(DAY)], nights=[NightInput(DAY)]),
        "pacific",
        EUR,
        "144.00",
    ),
    # The jury tables' first day of validity (arrêté du 13 avril 2012).
    (
        "jury-first-day",
        work(diploma("per_copy", day=date(2012, 4, 13), copies=10)),
        "mainland",
        EUR,
        "50.00",
    ),
]
CASES = REMUNERATION_CASES + TRAVEL_CASES
