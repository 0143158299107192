"""No input a browser can send breaks a form outside the claims: never a 5xx,
what was typed shown again, the database unchanged when the form refuses
(issue 15). The profile, the financial file, the public request form, the
declarations, the sign-in and password pages, and every search and filter
of the back-office.

Run them on PostgreSQL too: it refuses NUL bytes that SQLite keeps.
"""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import ExternalParticipantRequest, FinancialFile
from imagin.audit import AuditEvent
from imagin.text import CONTROL_CHARACTERS
from missions.models import Availability, Competence
from tests import factories
from tests.hostile import (
    assert_no_server_error,
    assert_shown_again,
    hostile_text,
    junk_fields,
)

# Generated input, bounded so that the whole file runs in about a minute.
hostile = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
IBAN = "FR7630006000011234567890189"


@contextmanager
def rolled_back():
    """Each generated example starts from the same data and fresh rate limits."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def refused(response) -> bool:
    """The form answered with its page again (not a redirection after saving)."""
    return response.status_code != 302


def uploads() -> st.SearchStrategy[SimpleUploadedFile]:
    """A file as a browser sends it: a real PDF, or any bytes under any name."""
    names = st.one_of(
        st.sampled_from(["rib.pdf", "rib.PNG", "rib", ".pdf", "a" * 300 + ".pdf"]),
        hostile_text(max_size=60).map(lambda name: name.replace("\x00", "") or "x"),
    )
    contents = st.one_of(
        st.just(PDF), st.binary(max_size=3000), st.binary(max_size=40).map(PDF.__add__)
    )
    return st.builds(
        lambda name, content, kind: SimpleUploadedFile(name, content, kind),
        names,
        contents,
        st.sampled_from(["application/pdf", "image/png", "text/html", ""]),
    )


def _stored_text_is_printable(*values: object) -> None:
    for value in values:
        if isinstance(value, str):
            assert not CONTROL_CHARACTERS.search(value), repr(value[:80])


# ------------------------------------------------------------------ profile

PROFILE_TEXT = ("email", "phone", "address")


@hostile
@given(
    field=st.sampled_from(
        [*PROFILE_TEXT, "commune", "establishment", "notification_frequency"]
    ),
    value=hostile_text(),
    junk=junk_fields(max_fields=5),
)
@example(field="address", value="12 rue\x00 Jeanne-d'Arc", junk={})
@example(field="notification_frequency", value="weekly\x00", junk={})
@example(field="phone", value="\x1b[31m02", junk={})
def test_the_profile_refuses_hostile_input_and_keeps_the_record(
    client, participant, field, value, junk
):
    client.force_login(participant)
    participant.refresh_from_db()
    data = {
        "email": participant.email,
        "phone": "02 35 00 00 00",
        "address": "12 rue Jeanne-d'Arc",
        "commune": participant.commune_id,
        "establishment": participant.establishment_id,
        "notification_frequency": participant.notification_frequency,
        **junk,
        field: value,
    }
    fields = [
        "email",
        "phone",
        "address",
        "commune_id",
        "establishment_id",
        "notification_frequency",
    ]
    with rolled_back():
        before = [getattr(participant, name) for name in fields]
        response = client.post(reverse("accounts:profile"), data)
        assert_no_server_error(response)
        participant.refresh_from_db()
        if refused(response):
            if field in PROFILE_TEXT:
                assert_shown_again(response, value)
            assert [getattr(participant, name) for name in fields] == before
        else:
            _stored_text_is_printable(participant.phone, participant.address)


# ----------------------------------------------------------- financial file

BANK_TEXT = ("holder", "iban", "bic", "nir")


@hostile
@given(
    field=st.sampled_from(BANK_TEXT),
    value=hostile_text(),
    upload=st.one_of(st.none(), uploads()),
    junk=junk_fields(max_fields=5),
)
@example(field="holder", value="Paul\x00 Durand", upload=None, junk={})
@example(field="bic", value="AGRIFRPP\x00", upload=None, junk={})
@example(field="iban", value=IBAN + "\x00", upload=None, junk={})
def test_the_financial_file_refuses_hostile_input_and_keeps_the_bank_details(
    client, participant, settings, field, value, upload, junk
):
    settings.FINANCIAL_FILE_REQUIRES_NIR = True
    client.force_login(participant)
    data = {
        "holder": "Paul Durand",
        "iban": IBAN,
        "bic": "AGRIFRPP",
        "nir": "1 84 12 76 451 089 46",
        **junk,
        field: value,
    }
    if upload is not None:
        data["rib_document"] = upload
    with rolled_back():
        before = list(FinancialFile.objects.values_list())
        events = AuditEvent.objects.count()
        response = client.post(reverse("accounts:financial_file"), data)
        assert_no_server_error(response)
        if refused(response):
            if field in ("holder", "bic"):
                assert_shown_again(response, value)
            assert list(FinancialFile.objects.values_list()) == before
            assert AuditEvent.objects.count() == events
        else:
            file = FinancialFile.objects.get(user=participant)
            _stored_text_is_printable(file.holder, file.bic, file.iban, file.nir)


# ---------------------------------------------- the public creation request

REQUEST_FORM = factories.request_form_data(rib=False)
# Fields shown again as typed (a choice, a date or a box shows the choice).
REQUEST_TEXT = (
    "last_name",
    "first_name",
    "email",
    "phone",
    "address",
    "postal_code",
    "commune_name",
    "employer",
    "disciplines_taught",
    "holder",
    "iban",
    "bic",
)


@hostile
@given(
    field=st.sampled_from(sorted(REQUEST_FORM)),
    value=hostile_text(),
    upload=uploads(),
    junk=junk_fields(max_fields=5),
)
@example(
    field="employer",
    value="Cabinet\x00 Petit",
    upload=SimpleUploadedFile("rib.pdf", PDF, "application/pdf"),
    junk={},
)
@example(
    field="birth_date",
    value="99999-01-01",
    upload=SimpleUploadedFile("rib.pdf", PDF, "application/pdf"),
    junk={},
)
def test_the_public_request_form_refuses_hostile_input_and_records_nothing(
    client, db, field, value, upload, junk
):
    data = {**REQUEST_FORM, **junk, field: value, "rib_document": upload}
    with rolled_back():
        response = client.post(reverse("accounts:request_create"), data)
        assert_no_server_error(response)
        if refused(response):
            if field in REQUEST_TEXT:
                assert_shown_again(response, value)
            assert not ExternalParticipantRequest.objects.exists()
        else:
            request = ExternalParticipantRequest.objects.get()
            _stored_text_is_printable(
                *(getattr(request, name) for name in REQUEST_TEXT)
            )


# ------------------------------------------------------------- declarations


@pytest.fixture
def open_session(db):
    """A session open for declarations, with one épreuve and two days."""
    from datetime import timedelta

    session = factories.ExamSessionFactory(
        assignment_closes_on=timezone.localdate() + timedelta(days=10)
    )
    start = timezone.now() + timedelta(days=20)
    factories.MissionFactory(
        exam__session=session, starts_at=start, ends_at=start + timedelta(days=1)
    )
    return session


@hostile
@given(
    values=st.lists(st.one_of(hostile_text(max_size=30), st.just("VALID")), max_size=6),
    junk=junk_fields(max_fields=5),
)
@example(values=["\x00"], junk={})
@example(values=["VALID", "1" * 40], junk={})
def test_competences_refuse_hostile_choices_and_keep_the_declaration(
    client, participant, open_session, values, junk
):
    client.force_login(participant)
    epreuve = open_session.exams.get().epreuves.get()
    values = [str(epreuve.pk) if v == "VALID" else v for v in values]
    url = reverse("missions:competences", args=[open_session.pk])
    with rolled_back():
        response = client.post(url, {**junk, "epreuves": values})
        assert_no_server_error(response)
        if refused(response):
            assert not Competence.objects.exists()


@hostile
@given(
    values=st.lists(st.one_of(hostile_text(max_size=30), st.just("VALID")), max_size=6),
    every_day=st.one_of(st.none(), hostile_text(max_size=20)),
    junk=junk_fields(max_fields=5),
)
@example(values=["\x00:am"], every_day=None, junk={})
@example(values=["99999-01-01:am", "2027-02-30:pm"], every_day=None, junk={})
def test_availability_refuses_hostile_half_days_and_keeps_the_declaration(
    client, participant, open_session, values, every_day, junk
):
    client.force_login(participant)
    day = open_session.exams.get().missions.get().starts_at
    valid = f"{timezone.localdate(day):%Y-%m-%d}:am"
    data = {**junk, "half_days": [valid if v == "VALID" else v for v in values]}
    if every_day is not None:
        data["every_day"] = every_day
    url = reverse("missions:availability", args=[open_session.pk])
    with rolled_back():
        response = client.post(url, data)
        assert_no_server_error(response)
        if refused(response):
            assert not Availability.objects.exists()


# ------------------------------------------------------ sign-in and password


@hostile
@given(login=hostile_text(), password=hostile_text(), junk=junk_fields(max_fields=3))
@example(login="\x00", password="\x00", junk={})
@example(login="x" * 1_000_000, password="y" * 1_000_000, junk={})
def test_the_sign_in_page_refuses_hostile_identifiers_and_passwords(
    client, participant, login, password, junk
):
    with rolled_back():
        before = list(
            type(participant).objects.values_list("pk", "password", "last_login")
        )
        response = client.post(
            reverse("account_login"), {**junk, "login": login, "password": password}
        )
        assert_no_server_error(response)
        assert "_auth_user_id" not in client.session
        if response.status_code == 200 and len(login) <= 1000:
            shown = CONTROL_CHARACTERS.sub("", login)
            assert escape(login) in response.content.decode() or not shown.strip()
        assert (
            list(type(participant).objects.values_list("pk", "password", "last_login"))
            == before
        )


@hostile
@given(
    field=st.sampled_from(["oldpassword", "password1", "password2"]),
    value=hostile_text(),
    same=st.booleans(),
)
@example(field="password1", value="\x00" * 20, same=True)
def test_the_password_change_refuses_hostile_input_and_keeps_the_password(
    client, participant, field, value, same
):
    from tests.factories import PASSWORD

    client.force_login(participant)
    data = {"oldpassword": "pas-le-bon", "password1": "x", "password2": "y"}
    data[field] = value
    if same:
        data["password1"] = data["password2"] = value
    with rolled_back():
        response = client.post(reverse("account_change_password"), data)
        assert_no_server_error(response)
        participant.refresh_from_db()
        assert participant.check_password(PASSWORD)


@hostile
@given(email=hostile_text(), junk=junk_fields(max_fields=3))
@example(email="\x00@exemple.invalid", junk={})
def test_the_password_reset_request_refuses_hostile_addresses(
    client, participant, email, junk
):
    from django.core import mail

    with rolled_back():
        response = client.post(
            reverse("account_reset_password"), {**junk, "email": email}
        )
        assert_no_server_error(response)
        assert not [m for m in mail.outbox if participant.email not in m.to]


@hostile
@given(
    uidb36=hostile_text(max_size=20),
    key=hostile_text(max_size=60),
    password=hostile_text(),
)
@example(uidb36="1", key="\x00", password="\x00")
def test_a_forged_password_reset_link_is_refused_without_error(
    client, participant, uidb36, key, password
):
    from tests.factories import PASSWORD

    path = (
        "/comptes/password/reset/key/"
        f"{quote(uidb36 or '0', safe='')}-{quote(key or 'x', safe='')}/"
    )
    with rolled_back():
        get = client.get(path)
        post = client.post(path, {"password1": password, "password2": password})
        assert_no_server_error(get)
        assert_no_server_error(post)
        participant.refresh_from_db()
        assert participant.check_password(PASSWORD)


# ------------------------------------------ back-office searches and filters

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
_FILTER_LINK = re.compile(r'href="\?([^"#]*)"')


def _filter_parameters(client, url: str) -> list[str]:
    """The query parameters the changelist's own links use (filters, sorting,
    date hierarchy), read from the page as a browser would."""
    page = client.get(url).content.decode()
    names = {"q", "o", "p", "all", "_to_field", "_popup"}
    for query in _FILTER_LINK.findall(page):
        for pair in html.unescape(query).split("&"):
            if pair:
                names.add(pair.split("=", 1)[0])
    return sorted(names)


def address_bar_text() -> st.SearchStrategy[str]:
    """Hostile text as a query string carries it: no longer than a request
    line a production server lets through (gunicorn: 4 094 bytes), so never
    the megabyte a form field may receive."""
    return hostile_text().map(lambda value: value[:1000])


# One test per registered model: fewer examples each, about 700 requests in all.
per_model = settings(hostile, max_examples=20)


@pytest.fixture
def superuser(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_back_office_list_survives_hostile_searches_and_filters(
    client, superuser, convoked_claim, model
):
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    parameters = _filter_parameters(client, url)
    searchable = bool(admin.site._registry[model].search_fields)

    @per_model
    @given(value=address_bar_text(), chosen=st.sets(st.sampled_from(parameters)))
    @example(value="\x00", chosen=set(parameters))
    @example(value="%00", chosen={"q"})
    def walk(value, chosen):
        chosen = chosen | {"q"}
        query = urlencode({name: value for name in chosen})
        with rolled_back():
            events = AuditEvent.objects.count()
            response = client.get(f"{url}?{query}")
            assert_no_server_error(response)
            if response.status_code == 200 and searchable and len(value) < 10_000:
                typed = CONTROL_CHARACTERS.sub(" ", value)
                assert escape(typed) in response.content.decode(), typed[:80]
            assert AuditEvent.objects.count() == events

    walk()
