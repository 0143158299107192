"""Every form of the back-office takes hostile input without a 5xx (issue 15).

Each registered model's add and change pages, and the back-office's own
forms (an external participant by hand, a mission import, a refusal, an
assignment), are read as a browser would: each field the page shows gets a
generated hostile value. The page never answers 5xx; a refused form shows
the typed text again and leaves the database as it was.

The académie is built once for the module (`tests.world`). Run on
PostgreSQL too: it refuses NUL bytes that SQLite keeps.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import ExternalParticipantRequest
from imagin.audit import AuditEvent
from missions.models import Mission
from tests.hostile import (
    assert_no_server_error,
    hostile_number_text,
    hostile_text,
)
from tests.test_hostile_forms import hostile
from tests.world import SUPERUSER, academie  # noqa: F401 (the fixture `world`)

pytestmark = pytest.mark.django_db

# One test per form: fewer examples each, some 700 requests in all.
per_form = settings(hostile, max_examples=12)

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_TAG = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)
_ATTRIBUTE = r'\b{}="([^"]*)"'
# Fields whose value the page shows again as typed.
SHOWN_AGAIN = {"text", "email", "number", "url", "tel", "search", "textarea"}
NOT_FIELDS = {"submit", "button", "reset", "image"}


def form_fields(page: str, url: str) -> dict[str, str]:
    """The fields of the page's forms that post to `url` (not those of forms
    posting elsewhere), by name: their input type, or the tag. Inline forms
    are left out: they are posted with their management form or not at all."""
    fields = {}
    for form_attributes, form in _FORM.findall(page):
        action = re.search(_ATTRIBUTE.format("action"), form_attributes)
        if action and action.group(1) not in ("", url):
            continue
        for tag, attributes in _TAG.findall(form):
            name = re.search(_ATTRIBUTE.format("name"), attributes)
            if (
                not name
                or name.group(1) == "csrfmiddlewaretoken"
                or ("-" in name.group(1))
            ):
                continue
            kind = re.search(_ATTRIBUTE.format("type"), attributes)
            kind = (kind.group(1) if kind else "text") if tag == "input" else tag
            if kind not in NOT_FIELDS:
                fields[name.group(1)] = kind
    return fields


def refused_with_message(response) -> bool:
    """The form came back with its errors (Django's admin or the site's)."""
    page = response.content.decode()
    return response.status_code == 200 and any(
        mark in page for mark in ("errornote", "errorlist", "fr-error-text")
    )


def flagged(page: str, name: str) -> bool:
    """Whether the admin shows an error on field `name` (its row is marked)."""
    return bool(
        re.search(rf'class="form-row errors[^"]*\bfield-{re.escape(name)}\b', page)
    )


@contextmanager
def rolled_back():
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _state(model) -> tuple[list, int]:
    rows = list(model._default_manager.order_by("pk").values_list())
    return rows, AuditEvent.objects.count()


def values_for(kind: str) -> st.SearchStrategy:
    if kind == "file":
        return st.builds(
            lambda name, content: SimpleUploadedFile(name, content),
            st.sampled_from(["missions.csv", "x.pdf", "rib", "a" * 200]),
            st.binary(max_size=2000),
        )
    if kind == "number":
        return hostile_number_text()
    values = st.one_of(hostile_text(), hostile_number_text())
    if kind == "select" and connection.vendor == "sqlite":
        # SQLite only: Django's lookup of several ids (`pk__in`, a box of
        # permissions) overflows on an id past 64 bits (reported). On
        # PostgreSQL, which production runs, it is "not a valid choice".
        return values.filter(lambda value: not _past_64_bits(value))
    return values


def _past_64_bits(value: str) -> bool:
    try:
        return abs(int(value.strip())) >= 2**63
    except ValueError:
        return False


def drive(client, url: str, model) -> None:
    """Hostile values into the fields of the form at `url`, one field at a time
    with junk in a few others; a page without a form (read-only) ignores a
    POST."""
    page = client.get(url)
    assert_no_server_error(page)
    fields = form_fields(page.content.decode(), url) if page.status_code == 200 else {}
    if not fields:
        with rolled_back():
            before = _state(model)
            response = client.post(url, {"name": "\x00" * 10})
            assert_no_server_error(response)
            assert _state(model) == before
        return

    @per_form
    @given(
        name=st.sampled_from(sorted(fields)),
        data=st.data(),
        others=st.dictionaries(
            st.sampled_from(sorted(fields)), hostile_text(max_size=40), max_size=3
        ),
    )
    def example(name, data, others):
        value = data.draw(values_for(fields[name]), label=name)
        post = {key: v for key, v in others.items() if fields[key] != "file"}
        post[name] = value
        with rolled_back():
            before = _state(model)
            response = client.post(url, post)
            assert_no_server_error(response)
            if refused_with_message(response):
                assert _state(model) == before
                page = response.content.decode()
                if (
                    fields[name] in SHOWN_AGAIN
                    and isinstance(value, str)
                    and flagged(page, name)
                ):
                    assert escape(value) in page, (
                        f"{name}: {value[:80]!r} is not shown again"
                    )

    example()


MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def test_every_back_office_page_with_autocomplete_boxes_uses_the_safe_ones():
    """Django's autocomplete widget looks up the value it shows again: given
    something else than an id, it answers 500 unless the admin takes
    `imagin.admin_autocomplete.SafeAutocompleteMixin`."""
    from imagin.admin_autocomplete import SafeAutocompleteMixin

    for model, model_admin in admin.site._registry.items():
        if model_admin.autocomplete_fields:
            assert isinstance(model_admin, SafeAutocompleteMixin), model


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.users[SUPERUSER])
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_add_and_change_form_takes_hostile_input_without_error(
    signed_in, world, model
):
    opts = model._meta
    obj = model._default_manager.order_by("pk").first()
    # A read-only list (the platform's counts, filled by an import) has no
    # add or change address at all.
    try:
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    except NoReverseMatch:
        return
    drive(signed_in, add, model)
    if obj is not None:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        drive(signed_in, url, model)


def _request_pk() -> int:
    return ExternalParticipantRequest.objects.order_by("pk").first().pk


def _mission_pk() -> int:
    return Mission.objects.order_by("pk").first().pk


# The back-office's own forms: (URL name, its argument, the model it writes).
OWN_FORMS = (
    ("admin:accounts_user_create_external", None, "accounts.User"),
    ("admin:missions_mission_import", None, "missions.Mission"),
    (
        "admin:accounts_request_reject",
        _request_pk,
        "accounts.ExternalParticipantRequest",
    ),
    ("admin:missions_mission_assign", _mission_pk, "missions.Assignment"),
)


@pytest.mark.parametrize(
    ("name", "argument", "label"), OWN_FORMS, ids=[name for name, *_ in OWN_FORMS]
)
def test_the_back_office_own_forms_take_hostile_input_without_error(
    signed_in, world, name, argument, label
):
    from django.apps import apps

    args = [argument()] if argument else []
    drive(signed_in, reverse(name, args=args), apps.get_model(label))


def test_an_autocomplete_box_given_something_else_than_an_id_answers_with_a_message(
    signed_in, world
):
    from missions.models import Centre

    count = Centre.objects.count()
    response = signed_in.post(
        reverse("admin:missions_centre_add"),
        {"code": "C-X", "name": "Centre X", "address": "1 rue", "commune": "\x00:"},
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert Centre.objects.count() == count
