"""The footer's accessibility level, from the audit in the legal content file."""

from __future__ import annotations

import logging

from django import template
from django.utils.translation import gettext

from imagin.legal.content import LEVEL_LABELS, NONE, LegalContentError, load

logger = logging.getLogger(__name__)
register = template.Library()


@register.simple_tag
def accessibility_level() -> str:
    """ "totalement", "partiellement" or "non conforme", as the audit's rate
    says. The footer is on every page, error pages included: an unusable
    file (which the system check reports) shows "non conforme", the level
    of a site without a valid audit, rather than failing the page."""
    try:
        return str(load().level_label)
    except LegalContentError:
        logger.exception("The legal content file is not usable.")
        return str(LEVEL_LABELS[NONE])


@register.simple_tag
def display_themes() -> list[dict[str, str]]:
    """The display modal's choices: the value the DSFR script reads, the
    label, an optional hint and the DSFR pictogram (under artwork/pictograms/)."""
    return [
        {
            "value": "light",
            "label": gettext("Thème clair"),
            "picture": "environment/sun.svg",
        },
        {
            "value": "dark",
            "label": gettext("Thème sombre"),
            "picture": "environment/moon.svg",
        },
        {
            "value": "system",
            "label": gettext("Système"),
            "hint": gettext("Utilise les paramètres système."),
            "picture": "system/system.svg",
        },
    ]
