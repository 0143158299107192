"""Background work shared by the apps (django-tasks): immediate in
development and tests, `manage.py db_worker` in production."""

from __future__ import annotations

from django_tasks import task

from imagin.outbox import send_rendered_mail, unseal


@task()
def send_email(
    *,
    sealed: str = "",
    to: list[str] | None = None,
    subject: str = "",
    body: str = "",
    html: str = "",
) -> None:
    """Send an e-mail already rendered (`imagin.mail.send_templated_mail`),
    sealed (`imagin.outbox.seal`: recipients, subject, text and HTML bodies).

    The plain arguments are those of e-mails queued before sealing existed,
    still sent once after an upgrade.
    """
    if sealed:
        message = unseal(sealed)
        to, subject, body, html = (
            message["to"],
            message["subject"],
            message["body"],
            message["html"],
        )
    send_rendered_mail(to=to or [], subject=subject, body=body, html=html)
