"""Background work shared by the apps (django-tasks): immediate in
development and tests, `manage.py db_worker` in production."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from imagin.outbox import send_rendered_mails, unseal_messages


@task()
def send_email(
    *,
    sealed: str = "",
    to: list[str] | None = None,
    subject: str = "",
    body: str = "",
    html: str = "",
) -> dict[str, Any]:
    """Send e-mails already rendered (`imagin.mail.send_templated_mail`),
    sealed: one (`imagin.outbox.seal`: recipients, subject, text and HTML
    bodies) or several at once (`imagin.outbox.seal_messages`), then sent
    over one connection to the mail server.

    The plain arguments are those of e-mails queued before sealing existed,
    still sent once after an upgrade. The result (kept with the task) counts
    those sent and gives the ranks of those the mail server refused.
    """
    if sealed:
        messages = unseal_messages(sealed)
    else:
        messages = [{"to": to or [], "subject": subject, "body": body, "html": html}]
    refused = send_rendered_mails(messages)
    return {"sent": len(messages) - len(refused), "refused": refused}
