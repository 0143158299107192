"""Text a browser may send: refused in forms, made safe where it is kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from imagin.audit import DATA_TEXT_LIMIT, AuditEvent, audit_log
from imagin.text import printable, validate_printable


@pytest.mark.parametrize("text", ["a\x00b", "\x07", "x\x1by", "\x7f", "\x85"])
def test_a_control_character_is_refused_with_a_message(text):
    with pytest.raises(ValidationError) as refused:
        validate_printable(text)
    assert refused.value.code == "control_characters"


@pytest.mark.parametrize("text", ["Lycée Corneille", "ligne 1\r\nligne 2\tfin", ""])
def test_what_people_type_is_accepted(text):
    validate_printable(text)


def test_printable_replaces_control_characters_and_bounds_the_length():
    assert printable("a\x00b\x1fc", 10) == "a\ufffdb\ufffdc"
    assert printable("x" * 50, 10) == "x" * 10


def test_the_audit_log_keeps_no_nul_byte_and_no_megabyte(participant):
    event = audit_log(
        actor=participant,
        action="tests.text.kept",
        target=participant,
        data={"reason": "a\x00" + "b" * 1_000_000, "nested": [{"k\x00": "v\x00"}]},
    )
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.data["reason"].startswith("a\ufffdb")
    assert len(event.data["reason"]) == DATA_TEXT_LIMIT
    assert event.data["nested"] == [{"k\ufffd": "v\ufffd"}]
