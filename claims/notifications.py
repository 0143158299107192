"""E-mails to participants about their claims: the division's decisions,
payment, and reminders before the deadline.

Each function is called inside the service's transaction; the e-mail is
rendered and handed to the mail queue once it commits (`imagin.mail`), so a
decision rolled back announces nothing. People without an address are
skipped: their claim pages say the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from claims.models import Claim
from imagin.mail import (
    queue_rendered_mails,
    render_templated_mails,
    send_templated_mail,
    send_templated_mails,
)

# What the participant is told for each decision: subject, what happened,
# and what comes next.
DECISIONS = {
    "returned": (
        _("Votre état de frais est à corriger"),
        _(
            "La division des examens et concours vous renvoie pour correction "
            "l'état de frais de la mission :"
        ),
        _(
            "Ce que vous aviez saisi est conservé : corrigez-le, puis validez à "
            "nouveau."
        ),
    ),
    "approved": (
        _("Votre état de frais est validé"),
        _(
            "La division des examens et concours a vérifié et validé l'état de "
            "frais de la mission :"
        ),
        _(
            "Il sera mis en paiement sans autre démarche de votre part ; vous "
            "recevrez un courriel à chaque étape."
        ),
    ),
    "cancelled": (
        _("Votre état de frais est annulé"),
        _(
            "La division des examens et concours a annulé l'état de frais de la "
            "mission :"
        ),
        _("En cas d'erreur, contactez-la : elle peut le rétablir."),
    ),
    "restored": (
        _("Votre état de frais est rétabli"),
        _(
            "La division des examens et concours a rétabli l'état de frais de la "
            "mission :"
        ),
        _("Il reprend là où il en était avant son annulation."),
    ),
}


def claim_url(claim: Claim) -> str:
    return settings.SITE_URL + reverse("claims:detail", args=[claim.pk])


def claim_decided(claim: Claim, decision: str, reason: str = "") -> None:
    """Tell the participant about a decision on one of their claims.

    The claim is loaded with its participant, mission, exam and épreuve.
    """
    mail = _decision_mail(claim, decision, reason)
    if mail is not None:
        send_templated_mail("claim-decision", **mail)


def decisions_queued(claims: Sequence[Claim], decision: str) -> None:
    """`claim_decided` for many claims at once (a bulk validation, from the
    background worker): the same e-mails, rendered now and queued a hundred
    to a task (one task row per e-mail is what a thousand e-mails cost)."""
    mails = [
        mail
        for claim in claims
        if (mail := _decision_mail(claim, decision)) is not None
    ]
    queue_rendered_mails(render_templated_mails("claim-decision", mails))


def _decision_mail(claim: Claim, decision: str, reason: str = "") -> dict | None:
    """The decision e-mail's recipient, context and language; None for
    someone without an address."""
    participant = claim.assignment.participant
    if not participant.email:
        return None
    subject, headline, next_step = DECISIONS[decision]
    return {
        "to": [participant.email],
        "context": {
            "claim": claim,
            "participant": participant,
            "decision": decision,
            "subject": subject,
            "headline": headline,
            "next_step": next_step,
            "reason": reason,
            "claim_url": claim_url(claim),
        },
        "language": participant.language,
    }


# Payment news, one e-mail per participant for all their claims of a batch.
PAYMENT = {
    "in_payment": (
        _("Vos états de frais sont mis en paiement"),
        _(
            "La division des examens et concours a transmis pour paiement les "
            "états de frais suivants :"
        ),
    ),
    "paid": (
        _("Vos états de frais sont payés"),
        _("Le paiement des états de frais suivants a été effectué :"),
    ),
    "payment_cancelled": (
        _("La mise en paiement de vos états de frais est reportée"),
        _(
            "La division des examens et concours a retiré de la mise en paiement "
            "les états de frais suivants ; ils restent validés et seront mis en "
            "paiement dans un prochain lot :"
        ),
    ),
}


def by_participant(claims: Iterable[Claim]) -> dict:
    grouped: dict = defaultdict(list)
    for claim in claims:
        grouped[claim.assignment.participant].append(claim)
    return grouped


def payment_news(claims: Iterable[Claim], event: str, batch) -> None:
    """Tell each participant that their claims of `batch` are in payment, or
    paid. Claims are loaded with their participant, mission and exam."""
    subject, headline = PAYMENT[event]
    send_templated_mails(
        "claims-payment",
        [
            {
                "to": [participant.email],
                "context": {
                    "participant": participant,
                    "subject": subject,
                    "headline": headline,
                    "event": event,
                    "batch": batch,
                    "items": [(claim, claim_url(claim)) for claim in theirs],
                    "currency": batch.currency,
                },
                "language": participant.language,
            }
            for participant, theirs in by_participant(claims).items()
            if participant.email
        ],
    )


def reminder(participant, claims: list[Claim], deadline: date) -> None:
    """Remind a participant of their claims still to complete by `deadline`."""
    send_templated_mail(
        "claims-reminder",
        to=[participant.email],
        context={
            "participant": participant,
            "deadline": deadline,
            "items": [(claim, claim_url(claim)) for claim in claims],
            "list_url": settings.SITE_URL + reverse("claims:list"),
        },
        language=participant.language,
    )
