"""Background work shared by the apps (django-tasks): immediate in
development and tests, `manage.py db_worker` in production."""

from __future__ import annotations

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
) -> None:
    """Send e-mails already rendered (`imagin.mail.send_templated_mail`),
    sealed: one (`imagin.outbox.seal`: recipients, subject, text and HTML
    bodies) or several at once (`imagin.outbox.seal_messages`), then sent
    over one connection to the mail server.

    The plain arguments are those of e-mails queued before sealing existed,
    still sent once after an upgrade.
    """
    if sealed:
        messages = unseal_messages(sealed)
    else:
        messages = [{"to": to or [], "subject": subject, "body": body, "html": html}]
    send_rendered_mails(messages)
