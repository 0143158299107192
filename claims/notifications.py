"""E-mails to participants about their claims: the division's decisions,
payment, and reminders before the deadline.

Each function is called inside the service's transaction; the e-mail is
rendered and handed to the mail queue once it commits (`imagin.mail`), so a
decision rolled back announces nothing. People without an address are
skipped: their claim pages say the same.

A participant who chose a weekly digest (`User.notification_frequency`) gets
no e-mail for the steps in `DIGESTED`: each is kept as a
`PendingNotification`, in the same transaction, and the weekly command
`send_weekly_digests` sends them all in one e-mail. A send-back (something to
correct) and reminders (a deadline) are always sent at once, as are the
security e-mails of accounts (password, e-mail address, bank details), which
never come through here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from claims.models import Claim, PendingNotification
from imagin.mail import (
    queue_rendered_mail,
    queue_rendered_mails,
    render_templated_mail,
    render_templated_mails,
    send_templated_mail,
    send_templated_mails,
)

logger = logging.getLogger(__name__)

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


# The steps a weekly digest gathers: news, nothing to do by a date.
DIGESTED = frozenset(PendingNotification.Kind.values)


def wants_digest(participant: User, kind: str) -> bool:
    return (
        kind in DIGESTED
        and participant.notification_frequency == User.NotificationFrequency.WEEKLY
    )


def _pending(claim: Claim, kind: str, reason: str = "") -> PendingNotification:
    return PendingNotification(
        user=claim.assignment.participant,
        claim=claim,
        kind=kind,
        amount=claim.total_amount,
        currency=claim.currency,
        reason=reason,
    )


def claim_decided(claim: Claim, decision: str, reason: str = "") -> None:
    """Tell the participant about a decision on one of their claims.

    The claim is loaded with its participant, mission, exam and épreuve.
    """
    if wants_digest(claim.assignment.participant, decision):
        _pending(claim, decision, reason).save()
        return
    mail = _decision_mail(claim, decision, reason)
    if mail is not None:
        send_templated_mail("claim-decision", **mail)


def decisions_queued(claims: Sequence[Claim], decision: str) -> None:
    """`claim_decided` for many claims at once (a bulk validation, from the
    background worker): the same e-mails, rendered now and queued a hundred
    to a task (one task row per e-mail is what a thousand e-mails cost)."""
    weekly = [c for c in claims if wants_digest(c.assignment.participant, decision)]
    PendingNotification.objects.bulk_create(_pending(c, decision) for c in weekly)
    kept = {claim.pk for claim in weekly}
    mails = [
        mail
        for claim in claims
        if claim.pk not in kept
        and (mail := _decision_mail(claim, decision)) is not None
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
    grouped = by_participant(claims)
    PendingNotification.objects.bulk_create(
        _pending(claim, event)
        for participant, theirs in grouped.items()
        if wants_digest(participant, event)
        for claim in theirs
    )
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
                    # What reaches their account: one sum per batch on the
                    # pay slip, the claims' frozen amounts added up.
                    "total": sum(
                        (claim.total_amount or Decimal(0) for claim in theirs),
                        Decimal(0),
                    ),
                    "currency": batch.currency,
                },
                "language": participant.language,
            }
            for participant, theirs in grouped.items()
            if participant.email and not wants_digest(participant, event)
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


# ------------------------------------------------------------ weekly digest

DIGEST_RELATED = (
    "user",
    "claim__assignment__mission__mission_type",
    "claim__assignment__mission__exam",
    "claim__assignment__mission__epreuve",
)


@dataclass
class DigestReport:
    sent: int = 0  # e-mails
    news: int = 0  # steps they listed
    without_email: int = 0  # people whose news were dropped, no address
    failed: int = 0  # people whose digest did not render (kept for next time)


# The first key of the PostgreSQL advisory locks that keep two runs of the
# command from sending the same person's digest (the second is the user's id);
# any number no other advisory lock of the project uses.
DIGEST_LOCK = 2020


def _try_lock(user_id: int) -> bool:
    """Take this person's digest for the current transaction, unless another
    run holds it. Locking the pending rows themselves (FOR UPDATE SKIP LOCKED)
    is not enough: a second run would skip the first one's rows and take a
    later one, sending that person a part of their news in a second e-mail."""
    if connection.vendor != "postgresql":
        return True  # one process at a time elsewhere (tests, SQLite)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s::int, %s::int)", [DIGEST_LOCK, user_id]
        )
        return bool(cursor.fetchone()[0])


def send_one_digest(user_id: int, report: DigestReport) -> None:
    """One participant's pending news in one e-mail, then deleted, in one
    transaction.

    The digest is queued (the task row is written in this transaction)
    exactly when its news are deleted, so running the command again sends
    nothing twice; another run already sending this person's digest is left
    to it. A digest that fails to render is logged and its news kept for the
    next run.
    """
    with transaction.atomic():
        if not _try_lock(user_id):
            return
        news = list(
            PendingNotification.objects.select_for_update(of=("self",))
            .filter(user_id=user_id)
            .select_related(*DIGEST_RELATED)
            .order_by("created_at", "pk")
        )
        if not news:
            return  # sent by another run meanwhile
        user = news[0].user
        if user.email:
            try:
                rendered = render_templated_mail(
                    "digest",
                    to=[user.email],
                    context={
                        "participant": user,
                        "items": [(item, claim_url(item.claim)) for item in news],
                    },
                    language=user.language,
                )
            except Exception:  # one broken digest must not stop the others
                logger.exception("Weekly digest of user %s not rendered", user_id)
                report.failed += 1
                return
            queue_rendered_mail(rendered)
            report.sent += 1
            report.news += len(news)
        else:
            report.without_email += 1
        PendingNotification.objects.filter(pk__in=[item.pk for item in news]).delete()


def send_weekly_digests() -> DigestReport:
    """Each participant who chose a weekly digest gets one e-mail listing the
    steps of their claims kept since the last one (amount and link each).
    Several runs at once share the people out (`_try_lock`)."""
    report = DigestReport()
    people = (
        PendingNotification.objects.order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user_id in list(people):
        send_one_digest(user_id, report)
    return report
