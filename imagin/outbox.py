"""E-mails on their way out, once rendered: sealed while they wait in the task
queue, then sent.

Both sides of the queue need this: `imagin.mail` seals what it enqueues and
sends the messages with attachments itself; `imagin.tasks.send_email` unseals
and sends the others. Here, neither imports the other back.

What waits in the task queue (a database table in production) is sealed with
the field encryption keys: an e-mail can hold a link that sets a password,
and nobody reading the table may use it.

One queued task may carry many e-mails (`seal_messages`): the worker's own
bookkeeping (taking the task, writing its result) costs more than sending an
e-mail already rendered, and a thousand e-mails sent over one connection to
the mail server spare a thousand connections.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection

from imagin.crypto import decrypt, encrypt

logger = logging.getLogger(__name__)


class MailNotSent(Exception):
    """Some e-mails of a batch were refused; the others were sent."""


def seal(message: dict[str, Any]) -> str:
    """`message` (JSON-serialisable) encrypted under FIELD_ENCRYPTION_KEYS."""
    return encrypt(json.dumps(message))


def unseal(sealed: str) -> dict[str, Any]:
    """The message `seal` encrypted; ImproperlyConfigured if no key opens it."""
    return json.loads(decrypt(sealed))


def seal_messages(messages: Sequence[dict[str, Any]]) -> str:
    """Several rendered e-mails (`to`, `subject`, `body`, `html` each) sealed
    together, for one task (`imagin.tasks.send_email`). One token, as for one
    e-mail: rotating the keys re-seals it the same way."""
    return seal({"messages": list(messages)})


def unseal_messages(sealed: str) -> list[dict[str, Any]]:
    """The e-mails `seal_messages` sealed, or the one e-mail `seal` sealed."""
    opened = unseal(sealed)
    return opened.get("messages", [opened])


def _email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    connection: Any = None,
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=to, connection=connection
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def send_rendered_mail(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    _email(to=to, subject=subject, body=body, html=html, attachments=attachments).send()


def send_rendered_mails(messages: Sequence[dict[str, Any]]) -> list[int]:
    """Send rendered e-mails (`to`, `subject`, `body`, `html` each) over one
    connection to the mail server; the ranks (from 1) of those refused.

    A message the server refuses is logged by its rank and the kind of error,
    never its address (the server's refusal names it), and the others are
    still sent. The task is not marked failed for it: run again, it would
    send the others twice. Only when none went out, nobody has it yet and
    MailNotSent marks the task failed. A connection that cannot be opened
    sends none and raises at once.
    """
    refused = []
    with get_connection() as connection:
        for rank, message in enumerate(messages, start=1):
            try:
                _email(**message, connection=connection).send()
            except Exception as error:
                refused.append(rank)
                logger.error(  # no traceback: the refusal names the recipient
                    "E-mail %s of %s not sent: %s",
                    rank,
                    len(messages),
                    type(error).__name__,
                )
    if refused and len(refused) == len(messages):
        raise MailNotSent(f"none of {len(messages)} e-mails sent")
    return refused
