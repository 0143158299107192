from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    """allauth finds the OpenID Connect provider of this app in `provider.py`."""

    name = "accounts.sso"
    label = "sso"
    verbose_name = _("Authentification unique")
