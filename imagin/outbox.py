"""E-mails on their way out, once rendered: sealed while they wait in the task
queue, then sent.

Both sides of the queue need this: `imagin.mail` seals what it enqueues and
sends the messages with attachments itself; `imagin.tasks.send_email` unseals
and sends the others. Here, neither imports the other back.

What waits in the task queue (a database table in production) is sealed with
the field encryption keys: an e-mail can hold a link that sets a password,
and nobody reading the table may use it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMultiAlternatives

from imagin.crypto import decrypt, encrypt


def seal(message: dict[str, Any]) -> str:
    """`message` (JSON-serialisable) encrypted under FIELD_ENCRYPTION_KEYS."""
    return encrypt(json.dumps(message))


def unseal(sealed: str) -> dict[str, Any]:
    """The message `seal` encrypted; ImproperlyConfigured if no key opens it."""
    return json.loads(decrypt(sealed))


def send_rendered_mail(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
