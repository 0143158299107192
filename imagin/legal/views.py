"""The legal pages: open to everyone, signed in or not, and the same for all."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

from imagin import help as guide
from imagin.legal.content import load


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, written from the audit (RGAA model)."""
    return render(request, "imagin/legal/accessibility.html", {"legal": load()})


def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "imagin/legal/legal_notice.html", {"legal": load()})


def duration(seconds: int) -> str:
    """A cookie's lifetime in words: "1 an", "52 semaines", "2 heures"…"""
    for unit, plural in (
        (365 * 24 * 3600, lambda n: ngettext("%(count)d an", "%(count)d ans", n)),
        (
            7 * 24 * 3600,
            lambda n: ngettext("%(count)d semaine", "%(count)d semaines", n),
        ),
        (24 * 3600, lambda n: ngettext("%(count)d jour", "%(count)d jours", n)),
        (3600, lambda n: ngettext("%(count)d heure", "%(count)d heures", n)),
    ):
        if seconds >= unit and seconds % unit == 0:
            return plural(seconds // unit) % {"count": seconds // unit}
    minutes = max(1, round(seconds / 60))
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {
        "count": minutes
    }


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    lifetime: str


def _lifetime(seconds: int | None) -> str:
    return (
        duration(seconds) if seconds else gettext("Jusqu'à la fermeture du navigateur.")
    )


def cookies() -> list[Cookie]:
    """The cookies the site sets, from the settings that name them: all
    needed for the service, none for audience measurement or advertising."""
    idle = duration(settings.SESSION_COOKIE_AGE)
    return [
        Cookie(
            settings.SESSION_COOKIE_NAME,
            gettext("Garder la connexion d'une page à l'autre."),
            gettext(
                "Jusqu'à la fermeture du navigateur ; sans effet après %(idle)s "
                "sans activité."
            )
            % {"idle": idle},
        ),
        Cookie(
            settings.CSRF_COOKIE_NAME,
            gettext("Protéger les formulaires contre leur envoi par un autre site."),
            _lifetime(settings.CSRF_COOKIE_AGE),
        ),
        Cookie(
            settings.LANGUAGE_COOKIE_NAME,
            gettext("Retenir la langue choisie, si vous en changez."),
            _lifetime(settings.LANGUAGE_COOKIE_AGE),
        ),
    ]


def personal_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "imagin/legal/personal_data.html",
        {
            "legal": load(),
            "cookies": cookies(),
            # Said only where the deployment does it.
            "https_only": settings.SESSION_COOKIE_SECURE,
            "staff_mfa": settings.MFA_REQUIRED_FOR_STAFF,
        },
    )


def sitemap(request: HttpRequest) -> HttpResponse:
    """The site's pages, grouped; the participant's are listed too, marked as
    needing a sign-in."""
    return render(
        request,
        "imagin/legal/sitemap.html",
        {"chapters": guide.current_chapters(), "audiences": guide.AUDIENCES},
    )
