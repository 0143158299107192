"""Roles as groups with permissions, kept in step with this table after each migrate.

A participant needs no group: anyone signed in may use the participant pages,
which only ever show their own data. The back-office needs one of the staff roles.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

MANAGER = "Gestionnaires DEC"
CENTRE_HEAD = "Chefs de centre"
ADMINISTRATOR = "Administrateurs"

# "app_label.*" grants every permission of an app; "app_label.codename" one;
# "!app_label.codename" takes one back.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    MANAGER: [
        "missions.*",
        "claims.*",
        # The regulation's figures are the administrators' to change.
        "!claims.add_ratetable",
        "!claims.change_ratetable",
        "!claims.delete_ratetable",
        "!claims.add_rate",
        "!claims.change_rate",
        "!claims.delete_rate",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_commune",
        "accounts.view_establishment",
        "accounts.view_financialfile",
        "accounts.change_financialfile",
        "accounts.view_externalparticipantrequest",
        "accounts.change_externalparticipantrequest",
        "imagin.view_auditevent",
    ],
    CENTRE_HEAD: [
        "missions.view_mission",
        "missions.view_assignment",
        "missions.view_centre",
        "claims.view_claim",
    ],
    ADMINISTRATOR: [
        "accounts.*",
        "missions.*",
        "claims.*",
        # Deciding on claims and paying them is the exam division's work.
        "!claims.change_claim",
        "!claims.add_paymentbatch",
        "!claims.change_paymentbatch",
        "auth.view_group",
        "imagin.view_auditevent",
    ],
}
STAFF_ROLES = (MANAGER, ADMINISTRATOR)


def _permission_filter(specs: list[str]) -> Q:
    granted, withdrawn = Q(pk__in=[]), Q(pk__in=[])
    for spec in specs:
        app_label, codename = spec.lstrip("!").split(".", 1)
        if codename == "*":
            condition = Q(content_type__app_label=app_label)
        else:
            condition = Q(content_type__app_label=app_label, codename=codename)
        if spec.startswith("!"):
            withdrawn |= condition
        else:
            granted |= condition
    return granted & ~withdrawn


def sync_role_groups(sender: Any = None, **kwargs: Any) -> None:
    """Create the role groups and set their permissions (post_migrate receiver).

    Permissions exist only once every app has migrated, so this acts after the
    last app's post_migrate; it is idempotent.
    """
    last_app = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender is not None and sender is not last_app:
        return
    using = kwargs.get("using", "default")
    for name, specs in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        permissions = Permission.objects.using(using).filter(_permission_filter(specs))
        group.permissions.set(permissions)


def has_role(user: Any, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles).exists()


def is_back_office_user(user: Any) -> bool:
    """Managers and administrators use the back-office."""
    return user.is_active and user.is_staff and has_role(user, *STAFF_ROLES)
