"""Sending the site's e-mails from templates, after the transaction commits.

An e-mail is rendered once the transaction commits, then handed to the
background worker (`imagin.tasks.send_email`), so a request that decides on a
thousand claims never waits on the mail server. Messages with attachments
(convocations) are sent where they are rendered: only background runs send
them, and their PDFs do not belong in the task queue.

What waits in the task queue (a database table in production) is sealed with
the field encryption keys (`seal`, `unseal`): an e-mail can hold a link that
sets a password, and nobody reading the table may use it.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

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
    attachments: list[tuple[str, bytes, str]] = (),
) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()


def send_templated_mail(
    name: str,
    *,
    to: list[str],
    context: dict[str, Any],
    language: str | None,
    attachments: list[tuple[str, bytes, str]] = (),
) -> None:
    """Send emails/<name>-subject.txt, -body.txt and -body.html once committed,
    in `language` (the recipient's; None: the site's default, French), with
    optional (filename, content, mimetype) attachments.

    Called inside a service's transaction: if the transaction rolls back, no
    e-mail announces a change that did not happen.
    """
    context = {
        "AUTHORITY_NAME": settings.AUTHORITY_NAME,
        "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
        "GUIDE_URL": settings.SITE_URL + reverse("guide"),
        **context,
    }

    def send() -> None:
        from imagin.tasks import send_email

        # The recipient's language, not the one of whoever acted: a manager
        # browsing in French writes to an English-speaking participant in English.
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = render_to_string(f"emails/{name}-subject.txt", context)
            rendered = {
                "to": to,
                "subject": " ".join(subject.split()),
                "body": render_to_string(f"emails/{name}-body.txt", context),
                "html": render_to_string(f"emails/{name}-body.html", context),
            }
        if attachments:
            send_rendered_mail(**rendered, attachments=attachments)
        else:
            send_email.enqueue(sealed=seal(rendered))

    # robust: a mail server refusing the message is logged; the decision it
    # announces is committed whatever happens to the e-mail.
    transaction.on_commit(send, robust=True)
