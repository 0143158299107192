"""The e-mail queue's worker side: several sealed e-mails in one task, sent
over one connection to the mail server; a refused one does not stop the
others; e-mails sealed one by one are still sent."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends import locmem

from imagin.outbox import MailNotSent, seal, seal_messages, unseal_messages
from imagin.tasks import send_email

BACKEND = "tests.test_outbox.CountingBackend"
REFUSED = "refuse@exemple.invalid"


class CountingBackend(locmem.EmailBackend):
    """In-memory e-mails, counting the connections made; refuses REFUSED."""

    made = 0

    def __init__(self, *args, **kwargs):
        CountingBackend.made += 1
        super().__init__(*args, **kwargs)

    def send_messages(self, messages):
        for message in messages:
            if REFUSED in message.to:
                # As an SMTP refusal does, the error names the recipient.
                raise OSError(f"550 {REFUSED}: mailbox unavailable")
        return super().send_messages(messages)


def message(number: int, to: str = "") -> dict:
    return {
        "to": [to or f"agent{number}@exemple.invalid"],
        "subject": f"Objet {number}",
        "body": f"Texte {number}",
        "html": f"<p>Texte {number}</p>",
    }


@pytest.fixture
def counting(settings):
    settings.EMAIL_BACKEND = BACKEND
    CountingBackend.made = 0
    mail.outbox = []
    return CountingBackend


def test_one_task_sends_its_emails_over_one_connection(counting):
    messages = [message(n) for n in range(5)]

    send_email.call(sealed=seal_messages(messages))

    assert [m.subject for m in mail.outbox] == [f"Objet {n}" for n in range(5)]
    assert mail.outbox[3].to == ["agent3@exemple.invalid"]
    assert mail.outbox[3].alternatives[0][0] == "<p>Texte 3</p>"
    assert counting.made == 1


def test_a_refused_email_is_reported_and_the_others_are_sent(counting, caplog):
    messages = [message(0), message(1, to=REFUSED), message(2)]

    # Not failed: run again, the task would send the two others twice.
    result = send_email.call(sealed=seal_messages(messages))

    assert result == {"sent": 2, "refused": [2]}
    assert [m.subject for m in mail.outbox] == ["Objet 0", "Objet 2"]
    assert "E-mail 2 of 3 not sent: OSError" in caplog.text
    assert REFUSED not in caplog.text  # logs never name a recipient


def test_a_task_none_of_whose_emails_went_out_fails(counting):
    messages = [message(0, to=REFUSED), message(1, to=REFUSED)]

    with pytest.raises(MailNotSent, match="none of 2"):
        send_email.call(sealed=seal_messages(messages))

    assert mail.outbox == []


def test_an_email_sealed_alone_is_still_sent(counting):
    send_email.call(sealed=seal(message(7)))

    assert [m.to for m in mail.outbox] == [["agent7@exemple.invalid"]]
    assert unseal_messages(seal(message(7))) == [message(7)]


def test_several_emails_travel_as_one_token_without_their_text(counting):
    sealed = seal_messages([message(1), message(2)])

    for secret in ("agent1", "Texte 2", "Objet"):
        assert secret not in sealed
    assert unseal_messages(sealed) == [message(1), message(2)]
