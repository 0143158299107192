from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImaginConfig(AppConfig):
    name = "imagin"
    verbose_name = _("Journal d'audit")
