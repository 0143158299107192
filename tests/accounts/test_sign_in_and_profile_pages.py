"""The sign-in page's Tab order, and the profile where travel is not claimed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories

TRAVEL_WORDS = re.compile(r"déplacement|trajet|véhicule|kilom", re.IGNORECASE)


def _form(page: str) -> str:
    start = page.index(f'action="{reverse("account_login")}"')
    return page[start : page.index("</form>", start)]


def test_tab_goes_from_the_password_to_the_forgotten_password_link(client, db):
    form = _form(client.get(reverse("account_login")).content.decode())
    login = form.index('name="login"')
    password = form.index('name="password"')
    link = form.index(f'href="{reverse("account_reset_password")}"')
    submit = form.index('type="submit"')
    # Document order is Tab order: no tabindex rearranges it.
    assert "tabindex" not in form
    assert login < password < link < submit
    assert "Mot de passe oublié ?" in form[link:submit]
    # The link is the DSFR's fr-link, no longer in the password's label.
    label = form[form.index('for="id_password"') : password]
    assert "href" not in label
    assert 'class="fr-link"' in form[password:submit]


def test_the_sign_in_still_works_and_errors_keep_the_order(client, participant):
    response = client.post(
        reverse("account_login"), {"login": participant.username, "password": "faux"}
    )
    form = _form(response.content.decode())
    assert form.index('name="password"') < form.index(
        f'href="{reverse("account_reset_password")}"'
    )
    assert f'value="{participant.username}"' in form


@pytest.mark.parametrize("travel", [False, True])
def test_the_profile_speaks_of_travel_only_where_it_is_claimed(
    client, settings, db, travel
):
    settings.TRAVEL_ENABLED = travel
    commune = factories.CommuneFactory()
    participant = factories.UserFactory(commune=commune)
    client.force_login(participant)
    page = client.get(reverse("accounts:profile")).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert ('name="commune"' in main) is travel
    assert bool(TRAVEL_WORDS.search(main)) is travel

    response = client.post(
        reverse("accounts:profile"),
        {
            "email": participant.email,
            "phone": "0102030405",
            "address": "1 rue de la Paix",
            "commune": "" if travel else str(commune.pk),
            "establishment": "",
        },
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.phone == "0102030405"
    # Without travel, the commune is not on the form: kept as it was.
    assert (participant.commune is None) is travel
