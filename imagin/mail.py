"""Sending the site's e-mails from templates, after the transaction commits.

An e-mail is rendered once the transaction commits, then handed to the
background worker (`imagin.tasks.send_email`), so a request that decides on a
thousand claims never waits on the mail server. Messages with attachments
(convocations) are sent where they are rendered: only background runs send
them, and their PDFs do not belong in the task queue.

The queue's side (sealing, sending) is `imagin.outbox`, which the task uses
too: this module imports the task, never the reverse.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from imagin.outbox import seal, seal_messages, send_rendered_mail
from imagin.tasks import send_email

logger = logging.getLogger(__name__)

# E-mails per task when many are queued at once (a payment batch's news, a
# bulk validation's decisions): a task row and a connection to the mail
# server for a hundred, not one each, which is what a thousand e-mails cost.
MAILS_PER_TASK = 100


def render_templated_mail(
    name: str, *, to: list[str], context: dict[str, Any], language: str | None
) -> dict[str, Any]:
    """emails/<name>-subject.txt, -body.txt and -body.html rendered in
    `language` (the recipient's; None: the site's default, French), as the
    message `queue_rendered_mail` hands to the worker."""
    context = {
        "AUTHORITY_NAME": settings.AUTHORITY_NAME,
        "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
        "GUIDE_URL": settings.SITE_URL + reverse("guide"),
        **context,
    }
    # The recipient's language, not the one of whoever acted: a manager
    # browsing in French writes to an English-speaking participant in English.
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string(f"emails/{name}-subject.txt", context).split()
        )
        body = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    return {"to": to, "subject": subject, "body": body, "html": html}


def queue_rendered_mail(rendered: dict[str, Any]) -> None:
    """Hand a rendered message to the background worker, sealed (its address
    and text are personal data, and the queue is a table like any other)."""
    send_email.enqueue(sealed=seal(rendered))


def queue_rendered_mails(rendered: Sequence[dict[str, Any]]) -> None:
    """Hand many rendered messages to the worker, `MAILS_PER_TASK` to a task."""
    for start in range(0, len(rendered), MAILS_PER_TASK):
        chunk = rendered[start : start + MAILS_PER_TASK]
        send_email.enqueue(sealed=seal_messages(chunk))


def render_templated_mails(
    name: str, mails: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """`render_templated_mail` for each of `mails` (to, context, language);
    one that fails to render is logged and left out, not the others."""
    rendered = []
    for rank, mail in enumerate(mails, start=1):
        try:
            rendered.append(render_templated_mail(name, **mail))
        except Exception:  # one broken e-mail must not lose the others
            # By its rank: a log line never holds an address.
            logger.exception(
                "E-mail %s (%s of %s) not rendered", name, rank, len(mails)
            )
    return rendered


def send_templated_mails(name: str, mails: Sequence[Mapping[str, Any]]) -> None:
    """`send_templated_mail` for many recipients at once (each a mapping of
    `to`, `context` and `language`): rendered once committed, queued a
    hundred to a task."""
    mails = list(mails)
    transaction.on_commit(
        lambda: queue_rendered_mails(render_templated_mails(name, mails)),
        robust=True,
    )


def send_templated_mail(
    name: str,
    *,
    to: list[str],
    context: dict[str, Any],
    language: str | None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Send the e-mail `render_templated_mail` renders, once committed, with
    optional (filename, content, mimetype) attachments.

    Called inside a service's transaction: if the transaction rolls back, no
    e-mail announces a change that did not happen.
    """

    def send() -> None:
        rendered = render_templated_mail(
            name, to=to, context=context, language=language
        )
        if attachments:
            send_rendered_mail(**rendered, attachments=attachments)
        else:
            queue_rendered_mail(rendered)

    # robust: a mail server refusing the message is logged; the decision it
    # announces is committed whatever happens to the e-mail.
    transaction.on_commit(send, robust=True)
