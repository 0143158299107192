"""Sending the site's e-mails from templates, after the transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def send_templated_mail(
    name: str,
    *,
    to: list[str],
    context: dict[str, Any],
    attachments: list[tuple[str, bytes, str]] = (),
) -> None:
    """Send emails/<name>-subject.txt, -body.txt and -body.html once committed,
    with optional (filename, content, mimetype) attachments.

    Called inside a service's transaction: if the transaction rolls back, no
    e-mail announces a change that did not happen.
    """
    context = {
        "AUTHORITY_NAME": settings.AUTHORITY_NAME,
        "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
        **context,
    }

    def send() -> None:
        subject = render_to_string(f"emails/{name}-subject.txt", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string(f"emails/{name}-body.txt", context),
            to=to,
        )
        message.attach_alternative(
            render_to_string(f"emails/{name}-body.html", context), "text/html"
        )
        for filename, content, mimetype in attachments:
            message.attach(filename, content, mimetype)
        message.send()

    transaction.on_commit(send)
