"""Every list of the back-office, the libraries' included: a bulk action posted
with ids no key can be is "nothing selected"; a search looks for its first
words only."""

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


def test_a_search_of_a_thousand_words_looks_for_the_first_ten(db, client, participant):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    words = [participant.last_name] + ["mot"] * 1500
    response = client.get(
        reverse("admin:accounts_user_changelist"), {"q": " ".join(words)}
    )
    assert response.status_code == 200
    # Ten words: the name, then nine "mot" no account has: nobody is found.
    assert participant.username not in response.content.decode()
    found = client.get(
        reverse("admin:accounts_user_changelist"),
        {"q": " ".join([participant.last_name] * 20)},
    )
    assert participant.username in found.content.decode()


@pytest.mark.parametrize("name", ["Rouen\x1b", "Rouen\x00", "Ro\x0cuen"])
def test_a_control_character_in_any_back_office_form_is_refused_next_to_it(
    db, client, name
):
    from accounts.models import Commune

    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:accounts_commune_add"),
        {"insee_code": "76540", "name": name, "postal_code": "76000"},
    )
    assert response.status_code == 200
    assert "caractère invisible non autorisé" in response.content.decode()
    assert 'value="76540"' in response.content.decode()  # the rest shown again
    assert not Commune.objects.filter(insee_code="76540").exists()


def test_an_ordinary_back_office_form_still_saves(db, client):
    from accounts.models import Commune

    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:accounts_commune_add"),
        {"insee_code": "76540", "name": "Rouen", "postal_code": "76000"},
    )
    assert response.status_code == 302
    assert Commune.objects.get(insee_code="76540").name == "Rouen"
