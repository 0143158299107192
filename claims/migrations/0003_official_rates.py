"""The official figures of the regulation, with their periods and sources.

Kept in the migration (not imported from the code) so that it always loads
what was official when it was written; later changes are made by
administrators in the back-office, or by a new migration.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

D = Decimal


def _mileage(cv5, cv6_7, cv8):
    """Three triples (≤ 2 000 km, 2 001–10 000 km, > 10 000 km) -> keys."""
    rates = {}
    for hp, triple in (("cv5", cv5), ("cv6_7", cv6_7), ("cv8", cv8)):
        for band, amount in zip(("1", "2", "3"), triple, strict=True):
            rates[f"{hp}:{band}"] = D(amount)
    return rates


def _nights(standard, large_city, paris):
    return {"standard": D(standard), "large_city": D(large_city), "paris": D(paris)}


DIPLOMA = "Arrêté du 13 avril 2012 (décret 2010-235), annexe"
COMPETITION = "Arrêté du 7 mai 2012 (décret 2010-235), annexe"
MILEAGE_2008 = "Arrêté du 3 juillet 2006 (BUDB0620005A) modifié par l'arrêté du 26 août 2008"
MILEAGE_2019 = "Arrêté du 3 juillet 2006 (BUDB0620005A) modifié par l'arrêté du 26 février 2019"
MILEAGE_2022 = "Arrêté du 3 juillet 2006 (BUDB0620005A) modifié par l'arrêté du 14 mars 2022"
MISSION_2006 = "Arrêté du 3 juillet 2006 (BUDB0620004A), article 1"
MISSION_2019 = "Arrêté du 3 juillet 2006 (BUDB0620004A) modifié par l'arrêté du 26 février 2019"
MISSION_2020 = "Arrêté du 3 juillet 2006 (BUDB0620004A) modifié par l'arrêté du 11 octobre 2019"
MISSION_2023 = "Arrêté du 3 juillet 2006 (BUDB0620004A) modifié par l'arrêté du 20 septembre 2023"

# (kind, zone, currency, valid_from, valid_until, reference, rates)
TABLES = [
    (
        "diploma_jury", "national", "EUR", date(2012, 4, 13), None, DIPLOMA,
        {
            "copy:1": D("0.75"), "copy:2": D("1.10"), "copy:3": D("1.73"),
            "copy:4": D("2.47"), "copy:5": D("5.00"),
            "hour:1": D("4.11"), "hour:2": D("5.49"), "hour:3": D("9.60"),
            "hour:4": D("13.72"),
        },
    ),
    (
        "competition_jury", "national", "EUR", date(2012, 5, 7), None, COMPETITION,
        {
            "copy:A1": D("6"), "copy:A2": D("5"), "copy:B": D("3"), "copy:C": D("2"),
            "hour:A1": D("45"), "hour:A2": D("30"), "hour:B": D("17"), "hour:C": D("10"),
            "paper:A1": D("1000"), "paper:A2": D("700"), "paper:B": D("250"),
            "paper:C": D("150"),
        },
    ),
    # Mileage, mainland.
    (
        "mileage", "mainland", "EUR", date(2008, 8, 1), date(2019, 2, 28), MILEAGE_2008,
        _mileage(("0.25", "0.31", "0.18"), ("0.32", "0.39", "0.23"), ("0.35", "0.43", "0.25")),
    ),
    (
        "mileage", "mainland", "EUR", date(2019, 3, 1), date(2021, 12, 31), MILEAGE_2019,
        _mileage(("0.29", "0.36", "0.21"), ("0.37", "0.46", "0.27"), ("0.41", "0.50", "0.29")),
    ),
    (
        "mileage", "mainland", "EUR", date(2022, 1, 1), None, MILEAGE_2022,
        _mileage(("0.32", "0.40", "0.23"), ("0.41", "0.51", "0.30"), ("0.45", "0.55", "0.32")),
    ),
    # Mileage in F CFP: Nouvelle-Calédonie and Polynésie française...
    (
        "mileage", "pacific", "XPF", date(2019, 3, 1), date(2021, 12, 31), MILEAGE_2019,
        _mileage(("47.32", "56.78", "33.77"), ("51.29", "62.16", "36.45"), ("55.50", "66.25", "39.14")),
    ),
    (
        "mileage", "pacific", "XPF", date(2022, 1, 1), None, MILEAGE_2022,
        _mileage(("52.05", "62.46", "37.15"), ("56.42", "68.38", "40.10"), ("61.05", "72.88", "43.05")),
    ),
    # ...and Wallis-et-Futuna.
    (
        "mileage", "wallis", "XPF", date(2019, 3, 1), date(2021, 12, 31), MILEAGE_2019,
        _mileage(("50.01", "85.29", "35.17"), ("51.29", "66.25", "39.14"), ("58.19", "68.94", "40.66")),
    ),
    (
        "mileage", "wallis", "XPF", date(2022, 1, 1), None, MILEAGE_2022,
        _mileage(("55.01", "93.82", "38.69"), ("56.42", "72.88", "43.05"), ("64.01", "75.83", "44.73")),
    ),
    # Meals and nights, mainland.
    ("meal", "mainland", "EUR", date(2006, 11, 1), date(2019, 12, 31), MISSION_2006, {"meal": D("15.25")}),
    ("meal", "mainland", "EUR", date(2020, 1, 1), date(2023, 9, 21), MISSION_2020, {"meal": D("17.50")}),
    ("meal", "mainland", "EUR", date(2023, 9, 22), None, MISSION_2023, {"meal": D("20.00")}),
    ("night", "mainland", "EUR", date(2006, 11, 1), date(2019, 2, 28), MISSION_2006, _nights("60", "60", "60")),
    ("night", "mainland", "EUR", date(2019, 3, 1), date(2023, 9, 21), MISSION_2019, _nights("70", "90", "110")),
    ("night", "mainland", "EUR", date(2023, 9, 22), None, MISSION_2023, _nights("90", "120", "140")),
]
# Nouvelle-Calédonie, Wallis-et-Futuna and Polynésie française share their
# meal and night figures, given both in euros and in F CFP.
for _zone in ("pacific", "wallis"):
    TABLES += [
        ("meal", _zone, "EUR", date(2019, 3, 1), date(2023, 9, 21), MISSION_2019, {"meal": D("21")}),
        ("meal", _zone, "XPF", date(2019, 3, 1), date(2023, 9, 21), MISSION_2019, {"meal": D("2506")}),
        ("meal", _zone, "EUR", date(2023, 9, 22), None, MISSION_2023, {"meal": D("24")}),
        ("meal", _zone, "XPF", date(2023, 9, 22), None, MISSION_2023, {"meal": D("2864")}),
        ("night", _zone, "EUR", date(2019, 3, 1), date(2023, 9, 21), MISSION_2019, {"standard": D("90")}),
        ("night", _zone, "XPF", date(2019, 3, 1), date(2023, 9, 21), MISSION_2019, {"standard": D("10740")}),
        ("night", _zone, "EUR", date(2023, 9, 22), None, MISSION_2023, {"standard": D("120")}),
        ("night", _zone, "XPF", date(2023, 9, 22), None, MISSION_2023, {"standard": D("14320")}),
    ]


def load(apps, schema_editor):
    RateTable = apps.get_model("claims", "RateTable")
    Rate = apps.get_model("claims", "Rate")
    for kind, zone, currency, valid_from, valid_until, reference, rates in TABLES:
        table, created = RateTable.objects.get_or_create(
            kind=kind,
            zone=zone,
            currency=currency,
            valid_from=valid_from,
            defaults={"valid_until": valid_until, "reference": reference},
        )
        if created:
            Rate.objects.bulk_create(
                Rate(table=table, key=key, amount=amount) for key, amount in rates.items()
            )


def unload(apps, schema_editor):
    apps.get_model("claims", "RateTable").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_rate_tables_and_travel")]

    operations = [migrations.RunPython(load, unload)]
