"""Managers edit participants in the back-office, never rights or the
back-office's own accounts."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import MANAGER
from tests import factories


def _change_form(user) -> dict[str, str]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "kind": user.kind,
        "language": "en",
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "08:00:00",
        "initial-date_joined_0": "01/01/2026",
        "initial-date_joined_1": "08:00:00",
    }


def test_a_manager_cannot_grant_rights(client, manager, participant):
    client.force_login(manager)
    url = reverse("admin:accounts_user_change", args=[participant.pk])
    page = client.get(url).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="groups"' not in page
    form = _change_form(participant) | {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": str(Group.objects.get(name=MANAGER).pk),
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    participant.refresh_from_db()
    assert participant.language == "en"  # what a manager may change is saved
    assert not participant.is_superuser and not participant.is_staff
    assert not participant.groups.exists()


def test_a_manager_cannot_change_a_back_office_account(client, manager):
    administrator = factories.AdministratorFactory(is_staff=True)
    client.force_login(manager)
    for name in ("admin:accounts_user_change", "admin:auth_user_password_change"):
        url = reverse(name, args=[administrator.pk])
        response = client.post(url, {"password1": "x", "password2": "x"})
        assert response.status_code == 403, name
    administrator.refresh_from_db()
    assert administrator.check_password("x") is False
    change = client.get(reverse("admin:auth_user_password_change", args=[manager.pk]))
    assert change.status_code == 403


def test_a_superuser_still_manages_rights(client, participant):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[participant.pk])
    assert 'name="is_superuser"' in client.get(url).content.decode()


def test_an_administrator_gives_no_role_nor_superuser_status(client, participant):
    administrator = factories.AdministratorFactory(is_staff=True)
    client.force_login(administrator)
    url = reverse("admin:accounts_user_change", args=[participant.pk])
    page = client.get(url).content.decode()
    assert 'name="groups"' not in page and 'name="is_staff"' not in page
    assert 'name="is_superuser"' not in page
    manager_group = Group.objects.get(name=MANAGER)
    form = _change_form(participant) | {
        "is_staff": "on",
        "is_superuser": "on",
        "groups": str(manager_group.pk),
    }
    assert client.post(url, form).status_code == 302
    participant.refresh_from_db()
    assert participant.language == "en"  # the rest of the account is theirs to edit
    assert not participant.is_staff and not participant.is_superuser
    assert not participant.groups.exists()


def test_an_administrator_changes_a_managers_account_not_a_superusers(client, manager):
    administrator = factories.AdministratorFactory(is_staff=True)
    superuser = factories.UserFactory(is_staff=False, is_superuser=True)
    client.force_login(administrator)
    assert (
        'name="email"'
        in client.get(
            reverse("admin:accounts_user_change", args=[manager.pk])
        ).content.decode()
    )
    for name in ("admin:accounts_user_change", "admin:auth_user_password_change"):
        url = reverse(name, args=[superuser.pk])
        assert client.post(url, {"password1": "x"}).status_code == 403, name


def test_a_manager_cannot_change_a_superuser_who_is_not_staff(client, manager):
    superuser = factories.UserFactory(is_staff=False, is_superuser=True)
    client.force_login(manager)
    for name in ("admin:accounts_user_change", "admin:auth_user_password_change"):
        url = reverse(name, args=[superuser.pk])
        assert client.post(url, {"password1": "x"}).status_code == 403, name


def test_the_initial_password_action_skips_accounts_one_may_not_change(
    client, manager, external_participant
):
    external_participant.is_staff = True
    external_participant.save()
    old_password = external_participant.password
    client.force_login(manager)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "issue_initial_password",
            "_selected_action": [external_participant.pk],
        },
        follow=True,
    )
    assert "non modifiable" in response.content.decode()
    external_participant.refresh_from_db()
    assert external_participant.password == old_password


def test_the_back_office_link_is_shown_to_those_who_may_enter(client, manager):
    link = f'href="{reverse("admin:index")}"'
    client.force_login(manager)
    assert link in client.get(reverse("home")).content.decode()
    staff_without_role = factories.UserFactory(is_staff=True)
    client.force_login(staff_without_role)
    assert link not in client.get(reverse("home")).content.decode()


def test_the_home_page_asks_the_managers_roles_once(client, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))  # the header and the page both ask
    asked = [q for q in queries.captured_queries if "auth_group" in q["sql"]]
    assert len(asked) == 1
