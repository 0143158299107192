from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et intervenants")

    def ready(self) -> None:
        # In ready(): these need the app registry (models, the user model).
        from django.db.models.signals import post_migrate

        from accounts.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="accounts.sync_role_groups")

        # Its receivers name the user model: imported once the registry is ready.
        from accounts import security_events

        security_events.connect()
