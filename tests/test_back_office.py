"""Every back-office page a manager can reach renders, within a fixed query budget."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from claims.models import Claim
from tests import factories

MODELS = [
    model
    for model in admin.site._registry
    if model._meta.app_label in {"accounts", "missions", "claims", "imagin"}
]


@pytest.fixture
def demo(db):
    """The demo académie holds at least one object of every registered model."""
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_a_manager_can_list_every_registered_model(client, manager, model, demo):
    client.force_login(manager)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_a_manager_can_open_each_object_page(client, manager, model, demo):
    client.force_login(manager)
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
    try:
        reverse(name, args=[1])
    except NoReverseMatch:
        # A read-only list with no object page (the platform's counts).
        return
    obj = model.objects.first()
    assert client.get(reverse(name, args=[obj.pk])).status_code == 200


def test_claims_cannot_be_created_or_deleted_by_hand(client, manager, convoked_claim):
    client.force_login(manager)
    assert client.get(reverse("admin:claims_claim_add")).status_code == 403
    url = reverse("admin:claims_claim_delete", args=[convoked_claim.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=convoked_claim.pk).exists()


def test_the_claim_status_cannot_be_edited_in_the_back_office(
    client, manager, convoked_claim
):
    client.force_login(manager)
    url = reverse("admin:claims_claim_change", args=[convoked_claim.pk])
    html = client.get(url).content.decode()
    assert 'name="status"' not in html


def test_the_claims_list_costs_the_same_whatever_the_volume(client, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claims.services import convocation_issue

    client.force_login(manager)
    url = reverse("admin:claims_claim_changelist")

    def queries_with(count: int) -> int:
        for _ in range(count):
            convocation_issue(assignment=factories.AssignmentFactory(), by=manager)
        # Once per session and per process, not per page: the session's
        # refresh stamp and the rate book's first read (when a claim needs it).
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    assert queries_with(3) == queries_with(30)


@pytest.mark.parametrize(
    ("url_name", "field"),
    [
        ("admin:claims_ratetable_changelist", "valid_from"),
        ("admin:missions_mission_changelist", "starts_at"),
        ("admin:imagin_auditevent_changelist", "created_at"),
    ],
)
@pytest.mark.parametrize(
    "query", ["__year=9999", "__year=0", "__year=2027&{f}__month=13", "__year=x"]
)
def test_an_impossible_date_in_the_address_bar_is_not_a_500(
    client, manager, url_name, field, query
):
    client.force_login(manager)
    url = reverse(url_name) + "?" + field + query.format(f=field)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
