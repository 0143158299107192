"""Hand-worked décomptes: each payment basis, in euros and in CFP francs,
with the amounts AND the computation in words a teacher reads
(`Line.explanation`), then frozen at validation (`ClaimLine.detail`).

Worked on paper from the arrêté du 13 avril 2012 (diplomas: copies taux 5
5,00 €; orals taux 1 4,11 €, taux 2 5,49 €, taux 3 9,60 €, taux 4 13,72 €),
the arrêté du 7 mai 2012 (competitions: A1 6 € a copy and 1 000 € a paper,
A2 5 € a file and 30 € an oral hour), the travel texts (Pacific: 52,05 F CFP a
km up to 2 000 km with ≤ 5 CV, meal 2 864 F CFP) and the parity
1 € = 119,331 74 XPF. Lines are rounded to the hundredth; in XPF only what
is paid (remuneration, travel) is rounded to the franc.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from claims import amounts
from claims.amounts import ClaimInput, MealInput, NightInput
from tests.claims.claim_inputs import DAY, D, book, car, competition, diploma, work

pytestmark = pytest.mark.django_db

DIPLOMAS = "arrêté du 13 avril 2012 (décret 2010-235), annexe"
COMPETITIONS = "arrêté du 7 mai 2012 (décret 2010-235), annexe"
MILEAGE = "arrêté du 3 juillet 2006 (BUDB0620005A) modifié par l'arrêté du 14 mars 2022"
MEALS = (
    "arrêté du 3 juillet 2006 (BUDB0620004A) modifié par l'arrêté du 20 septembre 2023"
)
PARITY = "à 119,33174 XPF pour 1 €"
FRANC = "arrondi au franc sur le total"


def plain(text: str) -> str:
    """Amounts are written with narrow and non-breaking spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def manager_entered(amount: str):
    return replace(diploma("manager_entered"), manager_amount=D(amount))


# (id, claim, zone, currency, [(line amount, explanation)], remuneration, travel)
CASES = [
    (
        "eur-per-copy",
        work(diploma("per_copy", copies=58)),
        "mainland",
        "EUR",
        [("290.00", f"58 copies × 5,00 € (taux 5, {DIPLOMAS}) = 290,00 €")],
        "290.00",
        "0",
    ),
    (
        "eur-per-candidate-hours",
        work(diploma("per_candidate", candidates=12, minutes_per_candidate=20)),
        "mainland",
        "EUR",
        [
            (
                "38.40",
                "12 candidats × 20 min = 4 h ; "
                f"4 h × 9,60 € (taux 3, {DIPLOMAS}) = 38,40 €",
            )
        ],
        "38.40",
        "0",
    ),
    # 175 min × 5,49 € / 60 = 16,0125.
    (
        "eur-per-candidate-hours-rounded",
        work(
            diploma(
                "per_candidate", hour_level="2", candidates=7, minutes_per_candidate=25
            )
        ),
        "mainland",
        "EUR",
        [
            (
                "16.01",
                "7 candidats × 25 min = 2 h 55 min ; 2 h 55 min × 5,49 € "
                f"(taux 2, {DIPLOMAS}) = 16,01 € (16,0125 € arrondi au centime)",
            )
        ],
        "16.01",
        "0",
    ),
    (
        "eur-per-candidate-optional-oral",
        work(
            replace(
                diploma("per_candidate", candidates=12, minutes_per_candidate=15),
                optional_oral=True,
            )
        ),
        "mainland",
        "EUR",
        [
            (
                "21.60",
                "12 candidats × 15 min = 3 h ; 3 h × 7,20 € (9,60 € × 75 %, oral "
                f"facultatif ; taux 3, {DIPLOMAS}) = 21,60 €",
            )
        ],
        "21.60",
        "0",
    ),
    (
        "eur-competition-per-file",
        work(competition("per_candidate", "A2", candidates=30)),
        "mainland",
        "EUR",
        [("150.00", f"30 dossiers × 5,00 € (catégorie A2, {COMPETITIONS}) = 150,00 €")],
        "150.00",
        "0",
    ),
    (
        "eur-competition-oral-per-candidate",
        work(
            competition(
                "per_candidate",
                "A2",
                candidates=9,
                minutes_per_candidate=40,
                oral_epreuve=True,
            )
        ),
        "mainland",
        "EUR",
        [
            (
                "180.00",
                "9 candidats × 40 min = 6 h ; "
                f"6 h × 30,00 € (catégorie A2, {COMPETITIONS}) = 180,00 €",
            )
        ],
        "180.00",
        "0",
    ),
    (
        "eur-per-hour",
        work(diploma("per_hour", hour_level="2", hours=D("7.5"))),
        "mainland",
        "EUR",
        [
            (
                "41.18",
                f"7,5 heures × 5,49 € (taux 2, {DIPLOMAS}) = 41,18 € "
                "(41,175 € arrondi au centime)",
            )
        ],
        "41.18",
        "0",
    ),
    (
        "eur-flat",
        work(competition("flat", "A1")),
        "mainland",
        "EUR",
        [
            (
                "1000.00",
                f"1 forfait × 1 000,00 € (catégorie A1, {COMPETITIONS}) = 1 000,00 €",
            )
        ],
        "1000.00",
        "0",
    ),
    (
        "eur-vae",
        work(diploma("per_application", candidates=4, vae_coefficient=D("1.5"))),
        "mainland",
        "EUR",
        [
            (
                "57.60",
                "4 dossiers de VAE × 14,40 € (9,60 € × 1,5, coefficient VAE du "
                f"diplôme ; taux 3, {DIPLOMAS}) = 57,60 €",
            )
        ],
        "57.60",
        "0",
    ),
    (
        "eur-vae-taux4-half",
        work(
            diploma(
                "per_application",
                hour_level="4",
                candidates=3,
                vae_coefficient=D("0.50"),
            )
        ),
        "mainland",
        "EUR",
        [
            (
                "20.58",
                "3 dossiers de VAE × 6,86 € (13,72 € × 0,5, coefficient VAE du "
                f"diplôme ; taux 4, {DIPLOMAS}) = 20,58 €",
            )
        ],
        "20.58",
        "0",
    ),
    (
        "eur-manager-entered",
        work(manager_entered("120")),
        "mainland",
        "EUR",
        [
            (
                "120.00",
                "1 forfait × 120,00 € (montant saisi par le gestionnaire) = 120,00 €",
            )
        ],
        "120.00",
        "0",
    ),
    # 100 × 5 € × 119,331 74 = 59 665,87 F: the line keeps its centimes.
    (
        "xpf-per-copy",
        work(diploma("per_copy", copies=100)),
        "pacific",
        "XPF",
        [
            (
                "59665.87",
                f"100 copies × 596,6587 XPF (5,00 € {PARITY} ; taux 5, {DIPLOMAS}) "
                f"= 59 665,87 XPF ({FRANC})",
            )
        ],
        "59666",
        "0",
    ),
    # 9,60 × 119,331 74 = 1 145,584 704 F an hour; 4 h: 4 582,338 816.
    (
        "xpf-per-candidate-hours",
        work(diploma("per_candidate", candidates=12, minutes_per_candidate=20)),
        "pacific",
        "XPF",
        [
            (
                "4582.34",
                "12 candidats × 20 min = 4 h ; 4 h × 1 145,5847 XPF (9,60 € "
                f"{PARITY} ; taux 3, {DIPLOMAS}) = 4 582,34 XPF (4 582,338816 XPF "
                f"arrondi au centime ; {FRANC})",
            )
        ],
        "4582",
        "0",
    ),
    # 3 h × 4,11 € × 119,331 74 = 1 471,360 354 2.
    (
        "xpf-per-hour",
        work(diploma("per_hour", hour_level="1", hours=D(3))),
        "pacific",
        "XPF",
        [
            (
                "1471.36",
                f"3 heures × 490,4535 XPF (4,11 € {PARITY} ; taux 1, {DIPLOMAS}) = "
                f"1 471,36 XPF (1 471,360354 XPF arrondi au centime ; {FRANC})",
            )
        ],
        "1471",
        "0",
    ),
    # 1 145,584 704 × 1,5 = 1 718,377 056 F a file; × 4 = 6 873,508 224.
    (
        "xpf-vae",
        work(diploma("per_application", candidates=4, vae_coefficient=D("1.5"))),
        "pacific",
        "XPF",
        [
            (
                "6873.51",
                f"4 dossiers de VAE × 1 718,3771 XPF (9,60 € {PARITY} ; 1 145,5847 "
                f"XPF × 1,5, coefficient VAE du diplôme ; taux 3, {DIPLOMAS}) = "
                f"6 873,51 XPF (6 873,508224 XPF arrondi au centime ; {FRANC})",
            )
        ],
        "6874",
        "0",
    ),
    (
        "xpf-flat",
        work(competition("flat", "A1")),
        "pacific",
        "XPF",
        [
            (
                "119331.74",
                f"1 forfait × 119 331,74 XPF (1 000,00 € {PARITY} ; catégorie A1, "
                f"{COMPETITIONS}) = 119 331,74 XPF ({FRANC})",
            )
        ],
        "119332",
        "0",
    ),
    (
        "xpf-manager-entered",
        work(manager_entered("12345.50")),
        "pacific",
        "XPF",
        [
            (
                "12345.50",
                "1 forfait × 12 345,50 XPF (montant saisi par le gestionnaire) = "
                f"12 345,50 XPF ({FRANC})",
            )
        ],
        "12346",
        "0",
    ),
    # 3 × 596,6587 = 1 789,9761 -> 1 789,98 -> 1 790 paid; two trips of 10 km
    # × 52,05 = 520,50 each, half a meal 1 432, a night 14 320: 16 793,00.
    (
        "xpf-copies-and-travel",
        ClaimInput(
            service=diploma("per_copy", copies=3),
            trips=[car(10, 5), car(10, 5, DAY.replace(day=16))],
            meals=[MealInput(DAY, administrative_restaurant=True)],
            nights=[NightInput(DAY)],
        ),
        "pacific",
        "XPF",
        [
            (
                "1789.98",
                f"3 copies × 596,6587 XPF (5,00 € {PARITY} ; taux 5, {DIPLOMAS}) = "
                f"1 789,98 XPF (1 789,9761 XPF arrondi au centime ; {FRANC})",
            ),
            *[
                (
                    "520.50",
                    f"10 km × 52,05 XPF (5 CV et moins, tranche 1, {MILEAGE}) = "
                    f"520,50 XPF ({FRANC})",
                )
            ]
            * 2,
            (
                "1432.00",
                "1 repas × 1 432 XPF (2 864 XPF × 50 %, restaurant administratif ; "
                f"repas, {MEALS}) = 1 432 XPF ({FRANC})",
            ),
            (
                "14320.00",
                f"1 nuitée × 14 320 XPF (nuitée, taux de base, {MEALS}) = "
                f"14 320 XPF ({FRANC})",
            ),
        ],
        "1790",
        "16793",
    ),
    # 100 km at 0,41 € and 200 at 0,51 € (6 CV, 1 900 km already this year),
    # half a meal 10 €, a night in Paris 140 €.
    (
        "eur-travel",
        ClaimInput(
            service=diploma("unpaid"),
            trips=[car(300, 6)],
            meals=[MealInput(DAY, administrative_restaurant=True)],
            nights=[NightInput(DAY, "paris")],
            prior_km={2027: 1900},
        ),
        "mainland",
        "EUR",
        [
            ("41.00", f"100 km × 0,41 € (6 et 7 CV, tranche 1, {MILEAGE}) = 41,00 €"),
            ("102.00", f"200 km × 0,51 € (6 et 7 CV, tranche 2, {MILEAGE}) = 102,00 €"),
            (
                "10.00",
                "1 repas × 10,00 € (20,00 € × 50 %, restaurant administratif ; "
                f"repas, {MEALS}) = 10,00 €",
            ),
            ("140.00", f"1 nuitée × 140,00 € (nuitée, Paris, {MEALS}) = 140,00 €"),
        ],
        "0",
        "293.00",
    ),
]


@pytest.mark.parametrize(
    ("claim", "zone", "currency", "lines", "remuneration", "travel"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_hand_worked_decompte(
    tables, claim, zone, currency, lines, remuneration, travel
):
    result = amounts.compute(claim, book(tables, zone, currency))
    assert result.problems == ()
    assert [(line.amount, plain(line.explanation)) for line in result.lines] == [
        (D(amount), text) for amount, text in lines
    ]
    assert (result.remuneration, result.travel) == (D(remuneration), D(travel))
    assert result.total == D(remuneration) + D(travel)


def test_what_rounding_to_the_franc_changed_is_said(tables):
    claim = CASES[-2][1]
    result = amounts.compute(claim, book(tables, "pacific", "XPF"))
    assert plain(result.total_rounding) == (
        "Rémunération : 1 789,98 XPF arrondi au franc, 1 790 XPF"
    )
    euros = amounts.compute(work(diploma("per_copy", copies=3)), book(tables))
    assert euros.total_rounding == ""


def test_the_rate_book_names_the_text_of_a_rate_without_a_query(
    tables, django_assert_num_queries
):
    rates = book(tables)
    with django_assert_num_queries(0):
        assert rates.reference("diploma_jury", "copy:5", DAY).startswith(
            "Arrêté du 13 avril 2012"
        )
        source = book(tables, "pacific", "XPF").source("diploma_jury", "hour:3", DAY)
    assert source.converted and source.figure == D("9.60")
    assert source.rate == D("9.60") * D("119.33174")
