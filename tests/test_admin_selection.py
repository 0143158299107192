"""A bulk action posted with ids no key can be is "nothing selected", on every
model of the back-office, the libraries' included."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests import factories

NOT_KEYS = ["abc", "", " 1", "01", "١", "-1", "1.5", "9" * 30, "-" + "9" * 30]


def _changelists():
    return [
        pytest.param(model, id=f"{model._meta.app_label}.{model._meta.model_name}")
        for model, model_admin in admin.site._registry.items()
    ]


@pytest.mark.parametrize("model", _changelists())
def test_a_selection_of_ids_that_are_no_key_selects_nothing(db, client, model):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    before = model._default_manager.count()
    response = client.post(
        url,
        {"action": "delete_selected", "index": "0", "_selected_action": NOT_KEYS},
    )
    # The admin's answer to an empty selection: back to the list, with a message.
    assert response.status_code in (200, 302, 403)
    assert model._default_manager.count() == before
