"""The rate book kept between requests: one copy per process, checked against
a version every process shares (claims.rate_book, "One copy per process").

"Another process" is simulated by dropping this process's copy
(`forget_shared_tables`) while the shared version stays in the cache.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from claims import selectors
from claims.models import Rate, RateTable
from claims.money import convert
from claims.rate_book import RateMissing, forget_shared_tables, rates_changed
from tests import factories
from tests.claims.entry_helpers import complete, convoke, page_text, step_url

pytestmark = pytest.mark.django_db

D = Decimal
DAY = date(2025, 6, 2)
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class Abandoned(Exception):
    """Rolls the test's transaction back."""


def bac_copy_rate() -> Rate:
    return Rate.objects.get(
        table__kind="diploma_jury", table__valid_until__isnull=True, key="copy:5"
    )


def copy_rate() -> Decimal:
    return selectors.rate_book("EUR").rate("diploma_jury", "copy:5", DAY)


def test_the_second_read_costs_one_small_query_and_reuses_the_same_tables(
    django_assert_max_num_queries,
):
    first = selectors.rate_book()
    with django_assert_max_num_queries(1):
        second = selectors.rate_book()
    assert second.tables is first.tables
    assert len(second.tables) > 0


def test_each_call_keeps_its_currency_and_the_zone_set_now(settings):
    euros = selectors.rate_book("EUR")
    francs = selectors.rate_book("XPF")
    assert (euros.currency, francs.currency) == ("EUR", "XPF")
    assert francs.tables is euros.tables
    assert francs.rate("diploma_jury", "copy:5", DAY) == convert(D("5"), "EUR", "XPF")
    settings.TRAVEL_RATE_ZONE = "pacific"
    assert selectors.rate_book().zone == "pacific"


def test_the_kept_tables_cannot_be_changed_by_a_caller():
    table = selectors.rate_book().tables[0]
    with pytest.raises(TypeError):
        table.rates["copy:5"] = D("1000")  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        table.kind = "meal"  # type: ignore[misc]
    assert isinstance(selectors.rate_book().tables, tuple)


def test_a_rate_saved_is_seen_by_the_next_read_here_and_in_another_process():
    assert copy_rate() == D("5")
    rate = bac_copy_rate()
    rate.amount = D("6.5")
    rate.save()
    assert copy_rate() == D("6.5")
    forget_shared_tables()
    assert copy_rate() == D("6.5")


def test_a_rate_table_saved_or_deleted_is_seen_by_the_next_read():
    selectors.rate_book()
    table = RateTable.objects.get(kind="meal", zone="mainland", valid_until=None)
    table.reference = "Arrêté de demain"
    table.save()
    references = {t.reference for t in selectors.rate_book().tables}
    assert "Arrêté de demain" in references
    count = len(selectors.rate_book().tables)
    table.delete()
    assert len(selectors.rate_book().tables) == count - 1
    with pytest.raises(RateMissing):
        selectors.rate_book().rate("meal", "meal", DAY)


def test_bulk_writes_that_send_no_signal_are_seen_by_the_next_read():
    selectors.rate_book()
    Rate.objects.filter(table__kind="diploma_jury", key="copy:5").update(amount=D("7"))
    assert copy_rate() == D("7")
    RateTable.objects.filter(kind="meal").update(reference="Mise à jour groupée")
    assert "Mise à jour groupée" in {t.reference for t in selectors.rate_book().tables}
    table = RateTable.objects.create(
        kind="night", zone="mainland", currency="XPF", valid_from=date(2040, 1, 1)
    )
    Rate.objects.bulk_create([Rate(table=table, key="paris", amount=D("9000"))])
    assert selectors.rate_book("XPF").rate("night", "paris", date(2040, 1, 2)) == D(
        "9000"
    )


@pytest.mark.parametrize("caches", [None, LOCMEM], ids=["database", "locmem"])
def test_a_change_rolled_back_leaves_the_old_figures(caches, settings):
    if caches is not None:
        settings.CACHES = caches
    assert copy_rate() == D("5")
    with pytest.raises(Abandoned), transaction.atomic():
        rate = bac_copy_rate()
        rate.amount = D("8")
        rate.save()
        assert copy_rate() == D("8")  # the transaction sees its own change
        raise Abandoned
    # A cache outside the database keeps the version written in the
    # transaction: the figures are read again, the rolled-back ones are gone.
    assert copy_rate() == D("5")
    forget_shared_tables()
    assert copy_rate() == D("5")


def test_a_lost_version_starts_a_new_one_and_the_tables_are_read_again(
    django_assert_max_num_queries,
):
    first = selectors.rate_book()
    cache.clear()
    again = selectors.rate_book()
    assert again.tables is not first.tables
    with django_assert_max_num_queries(1):
        assert selectors.rate_book().tables is again.tables


def update_in_sql(amount: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_rate SET amount = %s WHERE key = 'copy:5' AND table_id IN "
            "(SELECT id FROM claims_ratetable WHERE kind = 'diploma_jury')",
            [amount],
        )


def test_a_change_out_of_django_is_seen_after_migrate():
    """Data migrations write through historical models, which send no signal
    to the receivers: every `migrate` starts a new version. An UPDATE in SQL
    stands for such a migration here."""
    assert copy_rate() == D("5")
    update_in_sql(9)
    call_command("migrate", verbosity=0)
    assert copy_rate() == D("9")


def test_a_change_in_sql_is_seen_once_rates_changed_is_called():
    assert copy_rate() == D("5")
    update_in_sql(4)
    rates_changed()
    assert copy_rate() == D("4")


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_elsewhere_reaches_a_process_that_kept_the_old_figures(
    django_assert_max_num_queries,
):
    kept = selectors.rate_book()
    assert kept.rate("diploma_jury", "copy:5", DAY) == D("5")
    # The other process: its change and the new version commit together.
    with transaction.atomic():
        rate = bac_copy_rate()
        rate.amount = D("5.5")
        rate.save()
    assert copy_rate() == D("5.5")
    with django_assert_max_num_queries(1):
        assert copy_rate() == D("5.5")


@pytest.fixture
def administrator(db):
    return factories.AdministratorFactory(first_name="Alix", last_name="Admin")


def inline_rates(table: RateTable, **amounts: str) -> dict[str, str]:
    """The back-office change form of `table`, its rates as they are but `amounts`."""
    rates = list(table.rates.order_by("pk"))
    data = {
        "kind": table.kind,
        "zone": table.zone,
        "currency": table.currency,
        "valid_from": table.valid_from.isoformat(),
        "valid_until": "",
        "reference": table.reference,
        "rates-TOTAL_FORMS": str(len(rates)),
        "rates-INITIAL_FORMS": str(len(rates)),
        "rates-MIN_NUM_FORMS": "0",
        "rates-MAX_NUM_FORMS": "1000",
    }
    for number, rate in enumerate(rates):
        data[f"rates-{number}-id"] = str(rate.pk)
        data[f"rates-{number}-table"] = str(table.pk)
        data[f"rates-{number}-key"] = rate.key
        data[f"rates-{number}-amount"] = amounts.get(rate.key, str(rate.amount))
    return data


def test_an_administrator_edits_a_rate_and_the_next_claim_page_shows_it(
    client, participant, manager, administrator, settings
):
    settings.TRAVEL_ENABLED = False
    claim = convoke(participant, manager)
    client.force_login(participant)
    complete(client, claim, copies="10")
    summary = step_url(claim, "recapitulatif")
    assert "50,00" in page_text(client.get(summary))

    table = bac_copy_rate().table
    client.force_login(administrator)
    response = client.post(
        reverse("admin:claims_ratetable_change", args=[table.pk]),
        inline_rates(table, **{"copy:5": "5.25"}),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert bac_copy_rate().amount == D("5.25")

    client.force_login(participant)
    assert "52,50" in page_text(client.get(summary))
    forget_shared_tables()
    assert "52,50" in page_text(client.get(summary))
