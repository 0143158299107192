"""Background work shared by the apps (django-tasks): immediate in
development and tests, `manage.py db_worker` in production."""

from __future__ import annotations

from django_tasks import task

from imagin.mail import send_rendered_mail


@task()
def send_email(*, to: list[str], subject: str, body: str, html: str) -> None:
    """Send an e-mail already rendered (`imagin.mail.send_templated_mail`)."""
    send_rendered_mail(to=to, subject=subject, body=body, html=html)
