from django.contrib.auth.models import Group

from claims.models import RateTable


def test_c(transactional_db, live_server):
    print("C", Group.objects.count(), RateTable.objects.count())


def test_d(transactional_db):
    print("D", Group.objects.count(), RateTable.objects.count())
