"""The entries of the site's side menus, for django-dsfr's `dsfr_sidemenu` tag.

django-dsfr draws the menu (its title, the button that folds it away on a
phone, the current page marked with aria-current); these tags only say what is
in it. Each returns a fresh dict, because `dsfr_sidemenu` marks the active
entries in place. The ids are fixed rather than left to django-dsfr, which
would draw a random one on every page.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils.translation import gettext

register = template.Library()

Menu = dict[str, object]


@register.simple_tag(takes_context=True)
def account_menu(context: template.Context) -> Menu:
    items = [
        {"label": gettext("Mes coordonnées"), "link": reverse("accounts:profile")},
        {
            "label": gettext("Mon dossier financier"),
            "link": reverse("accounts:financial_file"),
        },
        {
            "label": gettext("Mon mot de passe"),
            "link": reverse("account_change_password"),
        },
    ]
    if context["user"].is_staff:
        items.append(
            {"label": gettext("Double authentification"), "link": reverse("mfa_index")}
        )
    return {"id": "compte", "title": gettext("Mon compte"), "items": items}


@register.simple_tag
def missions_menu() -> Menu:
    items = [
        {
            "label": gettext("Compétences et disponibilités"),
            "link": reverse("missions:declarations"),
        },
        {
            "label": gettext("Mes convocations"),
            "link": reverse("missions:convocations"),
        },
        {
            "label": gettext("Saisie états de frais mission"),
            "link": reverse("claims:list"),
        },
        {
            "label": gettext("Mes attestations de paiement"),
            "link": reverse("claims:statements"),
        },
    ]
    return {"id": "missions", "title": gettext("Mes missions"), "items": items}


@register.simple_tag
def centre_menu() -> Menu:
    """The centre head's menu: their centres' missions, then their own."""
    items = [
        {
            "label": gettext("Service fait de mes centres"),
            "link": reverse("missions:centre_missions"),
        },
        {
            "label": gettext("Mes convocations"),
            "link": reverse("missions:convocations"),
        },
        {
            "label": gettext("Saisie états de frais mission"),
            "link": reverse("claims:list"),
        },
    ]
    return {"id": "centres", "title": gettext("Mes centres"), "items": items}


@register.filter
def heads_a_centre(user) -> bool:
    """Whether to offer `user` the centre head's pages (one query)."""
    return bool(user.is_authenticated and user.headed_centres.exists())


@register.simple_tag
def guide_menu(audiences: Iterable[tuple[str, Iterable]], current_slug: str) -> Menu:
    """The guide's chapters, one folding group per audience.

    The group holding the open chapter is marked active here: django-dsfr only
    opens a group whose *last* entry is the current page (its search resets
    the flag at every entry that is not).
    """
    groups = []
    for audience, audience_chapters in audiences:
        chapters = list(audience_chapters)
        if audience == "participants":
            heading = gettext("Pour les intervenants")
        else:
            heading = gettext("Pour les gestionnaires")
        entries = [{"label": c.title, "link": c.url} for c in chapters]
        groups.append(
            {
                "label": heading,
                "items": entries,
                "is_active": any(c.slug == current_slug for c in chapters),
            }
        )
    return {
        "id": "aide",
        "title": gettext("Guide utilisateur"),
        "button_label": gettext("Chapitres du guide"),
        "items": groups,
    }
