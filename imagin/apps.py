from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _

from imagin.legal.checks import legal_content_file


class ImaginConfig(AppConfig):
    name = "imagin"
    verbose_name = _("Journal d'audit")

    def ready(self) -> None:
        # In ready(): these import models and the admin site.
        from django.contrib.auth.signals import user_logged_in

        from imagin.admin import guard_every_admin
        from imagin.logs import connect_task_logging
        from imagin.middleware import signed_in

        checks.register(compiled_catalogues)
        checks.register(shared_rate_limits, checks.Tags.security, deploy=True)
        # The académie's legal texts: a missing key is named before start-up.
        checks.register(legal_content_file)
        # The absolute session lifetime counts from each sign-in.
        user_logged_in.connect(signed_in, dispatch_uid="imagin_signed_in_at")
        # Back-office selections and searches checked for every admin.
        guard_every_admin()
        # One log line per background task, its lines carrying its id.
        connect_task_logging()


def compiled_catalogues(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Without its compiled catalogue, a language Django knows (English) would
    be offered, its pages showing French text under lang="en"."""
    problems: list[checks.CheckMessage] = []
    for folder in settings.LOCALE_PATHS:
        for source in Path(folder).glob("*/LC_MESSAGES/django.po"):
            compiled = source.with_suffix(".mo")
            if (
                not compiled.exists()
                or compiled.stat().st_mtime < source.stat().st_mtime
            ):
                problems.append(
                    checks.Warning(
                        f"{compiled} is missing or older than {source.name}.",
                        hint="Run `make install` or "
                        "`python manage.py compilemessages --ignore=.venv`.",
                        id="imagin.W001",
                    )
                )
    return problems


def shared_rate_limits(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Rate limits (failed sign-ins, password resets, requests) are counted in
    the default cache: one held in each process's memory lets every worker
    count its own attempts, multiplying the limits by their number."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            checks.Warning(
                "The default cache is not shared between processes: rate limits "
                "multiply with the number of workers.",
                hint="Leave CACHE_URL unset (the database cache) or point it to a "
                "shared cache.",
                id="imagin.W002",
            )
        ]
    return []
