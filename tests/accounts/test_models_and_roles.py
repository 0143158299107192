"""Users, their kinds, and the role groups."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError

from accounts.models import User
from accounts.roles import (
    ADMINISTRATOR,
    CENTRE_HEAD,
    MANAGER,
    ROLE_PERMISSIONS,
    is_back_office_user,
)
from tests import factories


def test_an_external_participant_signs_in_with_their_participant_number(db):
    user = factories.ExternalParticipantFactory(participant_number="E2027099")
    assert user.username == "E2027099"
    assert user.is_external


def test_an_external_participant_cannot_have_another_login(db):
    with pytest.raises(IntegrityError):
        User.objects.create(
            username="sophie", participant_number="E2027100", kind=User.Kind.EXTERNAL
        )


def test_an_agent_signs_in_with_a_username(db):
    user = User.objects.create(username="pdurand", kind=User.Kind.AGENT)
    assert not user.is_external


def test_participant_numbers_are_unique(db):
    factories.ExternalParticipantFactory(participant_number="E2027101")
    with pytest.raises(IntegrityError):
        factories.ExternalParticipantFactory(participant_number="E2027101")


def test_every_role_exists_as_a_group_with_permissions(db):
    for role in ROLE_PERMISSIONS:
        assert Group.objects.get(name=role).permissions.exists(), role


def test_managers_may_change_claims_but_not_delete_audit_events(db):
    manager = factories.ManagerFactory()
    assert manager.has_perm("claims.change_claim")
    assert manager.has_perm("missions.add_mission")
    assert manager.has_perm("imagin.view_auditevent")
    assert not manager.has_perm("imagin.delete_auditevent")
    assert not manager.has_perm("imagin.change_auditevent")


def test_only_managers_and_administrators_use_the_back_office(db):
    manager = factories.ManagerFactory()
    administrator = factories.UserFactory(is_staff=True)
    administrator.groups.add(Group.objects.get(name=ADMINISTRATOR))
    centre_head = factories.UserFactory(is_staff=True)
    centre_head.groups.add(Group.objects.get(name=CENTRE_HEAD))
    staff_without_role = factories.UserFactory(is_staff=True)
    participant = factories.UserFactory()
    assert is_back_office_user(manager)
    assert is_back_office_user(administrator)
    assert not is_back_office_user(centre_head)
    assert not is_back_office_user(staff_without_role)
    assert not is_back_office_user(participant)
    assert MANAGER in ROLE_PERMISSIONS


def test_back_office_users_enrol_two_factor_authentication_when_required(
    client, settings, db
):
    from allauth.mfa.models import Authenticator

    settings.MFA_REQUIRED_FOR_STAFF = True
    manager = factories.ManagerFactory()
    client.force_login(manager)
    response = client.get("/gestion/")
    assert response.status_code == 302
    assert response["Location"] == "/comptes/2fa/totp/activate/"
    assert client.post("/gestion/claims/claim/").status_code == 403
    # Enrolment, and confirming the password it may ask for first, stay open.
    assert client.get("/comptes/2fa/totp/activate/").status_code in (200, 302)
    assert client.get("/comptes/reauthenticate/").status_code == 200
    Authenticator.objects.create(
        user=manager, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    assert client.get("/gestion/").status_code == 200


def test_participants_are_not_asked_for_two_factor_authentication(
    client, settings, participant
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(participant)
    assert client.get("/mon-compte/profil/").status_code == 200
