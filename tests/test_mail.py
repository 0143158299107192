"""Many e-mails sent at once (a payment batch's news, a bulk validation's
decisions): rendered once committed, each in its recipient's language,
queued a hundred to a task, one that cannot be rendered leaving the others."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import override_settings

from imagin import mail as imagin_mail
from tests.platform_helpers import DATABASE_TASKS

pytestmark = pytest.mark.django_db


def password_changed(number: int, language: str = "fr") -> dict:
    return {
        "to": [f"agent{number}@exemple.invalid"],
        "context": {
            "user": SimpleNamespace(first_name=f"Agent{number}"),
            "changed_at": datetime(2027, 1, 23, 8, 0),
        },
        "language": language,
    }


def test_many_e_mails_are_sent_once_committed_each_in_its_language(
    django_capture_on_commit_callbacks,
):
    mails = [password_changed(1), password_changed(2, "en")]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        imagin_mail.send_templated_mails("password-changed", mails)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [
        ["agent1@exemple.invalid"],
        ["agent2@exemple.invalid"],
    ]
    assert "Bonjour Agent1" in mail.outbox[0].body
    assert "Hello Agent2" in mail.outbox[1].body


@override_settings(TASKS=DATABASE_TASKS)
def test_e_mails_go_to_tasks_by_the_hundred_and_a_broken_one_is_left_out(
    django_capture_on_commit_callbacks, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    from imagin.outbox import unseal_messages

    render = imagin_mail.render_templated_mail

    def broken_for_agent3(name, **mail):
        if mail["to"] == ["agent3@exemple.invalid"]:
            raise ValueError("a template error")
        return render(name, **mail)

    monkeypatch.setattr(imagin_mail, "MAILS_PER_TASK", 2)
    monkeypatch.setattr(imagin_mail, "render_templated_mail", broken_for_agent3)
    mails = [password_changed(number) for number in range(1, 6)]
    with django_capture_on_commit_callbacks(execute=True):
        imagin_mail.send_templated_mails("password-changed", mails)
    tasks = DBTaskResult.objects.filter(task_path="imagin.tasks.send_email")
    queued = [
        [
            message["to"][0]
            for message in unseal_messages(task.args_kwargs["kwargs"]["sealed"])
        ]
        for task in tasks.order_by("enqueued_at")
    ]
    # Four rendered, two to a task; the broken one logged, not queued.
    assert sorted(queued) == [
        ["agent1@exemple.invalid", "agent2@exemple.invalid"],
        ["agent4@exemple.invalid", "agent5@exemple.invalid"],
    ]
