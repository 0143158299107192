"""The platform's protections: private responses never cached, bad requests,
secrets kept out of the task table and cookies, shared rate limits, headers and
the deployment check (issue 15). Sessions and passwords:
`test_sessions_and_passwords.py`."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ExternalParticipantRequest
from accounts.services import external_request_approve, financial_file_save
from claims import services
from claims.models import ClaimStatus
from imagin.http import private_file_response, safe_filename
from imagin.middleware import content_security_policy
from imagin.outbox import unseal
from imagin.text import CONTROL_CHARACTERS
from tests import factories
from tests.claims.review_helpers import claim_in
from tests.platform_helpers import PRODUCTION, no_store, run_django

PDF = b"%PDF-1.4\n%%EOF\n"
IBAN = "FR7630006000011234567890189"
GOOD_PASSWORD = "Une-phrase-bien-longue-2027"


# ------------------------------------------------ private pages and files


@pytest.fixture
def participant_with_everything(participant, manager, settings):
    """A participant with a claim, a supporting document, a financial file
    with its RIB and a convocation: every kind of personal page and file."""
    settings.TRAVEL_ENABLED = False
    claim = claim_in(ClaimStatus.SUBMITTED, participant, manager)
    document = services.document_add(
        claim=claim,
        by=participant,
        kind="other",
        upload=SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
    )
    financial_file_save(
        user=participant,
        by=participant,
        holder="Paul Durand",
        iban=IBAN,
        bic="AGRIFRPP",
        rib_document=SimpleUploadedFile("rib.pdf", PDF, "application/pdf"),
    )
    return claim, document


PERSONAL_URLS = {
    "home": lambda claim, document: reverse("home"),
    "claim list": lambda claim, document: reverse("claims:list"),
    "claim page": lambda claim, document: reverse("claims:detail", args=[claim.pk]),
    "claim PDF": lambda claim, document: reverse("claims:pdf", args=[claim.pk]),
    "session recap PDF": lambda claim, document: reverse(
        "claims:recap", args=[claim.assignment.mission.exam.session_id]
    ),
    "supporting document": lambda claim, document: reverse(
        "claims:document", args=[claim.pk, document.pk]
    ),
    "financial file": lambda claim, document: reverse("accounts:financial_file"),
    "RIB": lambda claim, document: reverse("accounts:rib_download"),
    "profile": lambda claim, document: reverse("accounts:profile"),
    "declarations": lambda claim, document: reverse("missions:declarations"),
    "convocations": lambda claim, document: reverse("missions:convocations"),
    "convocation PDF": lambda claim, document: reverse(
        "missions:convocation_download", args=[claim.assignment_id]
    ),
}


@pytest.mark.parametrize("page", PERSONAL_URLS)
def test_every_personal_page_and_file_tells_caches_not_to_store_it(
    client, participant, participant_with_everything, page
):
    claim, document = participant_with_everything
    client.force_login(participant)
    response = client.get(PERSONAL_URLS[page](claim, document))
    assert response.status_code == 200, page
    assert no_store(response), (page, response.get("Cache-Control"))
    assert response["Pragma"] == "no-cache"


@pytest.mark.parametrize(
    "page", ["supporting document", "RIB", "claim PDF", "convocation PDF"]
)
def test_every_private_file_is_an_attachment_the_browser_may_not_sniff(
    client, participant, participant_with_everything, page
):
    claim, document = participant_with_everything
    client.force_login(participant)
    response = client.get(PERSONAL_URLS[page](claim, document))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_back_office_downloads_are_not_stored_either(
    client, manager, participant, participant_with_everything
):
    claim, document = participant_with_everything
    client.force_login(manager)
    file = participant.financial_file
    response = client.get(reverse("admin:accounts_financialfile_rib", args=[file.pk]))
    assert response.status_code == 200
    assert no_store(response) and response["X-Content-Type-Options"] == "nosniff"


def test_a_public_page_seen_signed_out_may_be_cached(client, db):
    assert not no_store(client.get(reverse("guide")))


def test_a_file_name_cannot_break_the_download_header():
    response = private_file_response(
        PDF, filename='rap"port\r\nSet-Cookie: x=1;été.pdf', content_type="x/y"
    )
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''rap_port__Set-Cookie_%20x_1_%C3%A9t%C3%A9.pdf"
    )
    assert response["Content-Type"] == "x/y"


def test_a_file_name_keeps_no_folder():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\rib.pdf") == "rib.pdf"


def test_a_file_meant_for_preview_is_inline_and_still_not_stored():
    response = private_file_response(
        PDF, filename="recap.pdf", content_type="application/pdf", inline=True
    )
    assert response["Content-Disposition"].startswith("inline;")
    assert no_store(response)


def test_a_file_name_made_only_of_unsafe_characters_gets_a_plain_one():
    assert safe_filename("\x00/\\..") == "document"
    assert len(safe_filename("a" * 300 + ".pdf")) == 120
    assert safe_filename("a" * 300 + ".pdf").endswith(".pdf")


# ------------------------------------------------------------ bad requests


def test_a_host_the_site_does_not_serve_gets_the_400_page(client, db):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/gestion/imagin/auditevent/?action__exact=%00",
        "/gestion/accounts/user/?q=%00",
        "/gestion/claims/claim/?q=abc%00def",
        "/gestion/accounts/financialfile/?q=%1F&status__exact=%00",
        "/aide/recherche/?q=%01",
        "/mes-etats-de-frais/?session=%00",
    ],
)
def test_control_characters_in_a_query_string_never_reach_the_database(
    client, manager, url
):
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200
    assert not any(
        CONTROL_CHARACTERS.search(key + "".join(values))
        for key, values in response.wsgi_request.GET.lists()
    )


def test_a_control_character_pasted_into_a_search_reads_as_a_space(client, manager):
    client.force_login(manager)
    factories.UserFactory(last_name="Durand-Lefort")
    response = client.get("/gestion/accounts/user/?q=Durand-Lefort%0B")
    assert response.wsgi_request.GET["q"] == "Durand-Lefort "
    assert "Durand-Lefort" in response.content.decode()


def test_an_unknown_filter_with_a_control_character_is_handled_by_the_admin(
    client, manager
):
    client.force_login(manager)
    response = client.get("/gestion/accounts/user/?q%00=x")
    assert response.status_code in (200, 302)


def test_an_address_with_a_control_character_gets_the_400_page(client, manager):
    client.force_login(manager)
    response = client.get("/mes-etats-de-frais/%00/")
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()


def test_ordinary_searches_are_left_as_typed(client, manager):
    client.force_login(manager)
    response = client.get("/aide/recherche/?q=mot+de+passe%0A")
    assert response.status_code == 200
    assert response.wsgi_request.GET["q"] == "mot de passe\n"


def test_a_cookie_with_a_nul_byte_is_dropped_not_looked_up(client, db):
    client.cookies["sessionid"] = "abcdefghij\x00klmnop"
    response = client.get(reverse("home"))
    assert response.status_code == 200


# ------------------------------------------ secrets in tasks and cookies


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_queued_email_keeps_no_link_in_the_task_table(
    manager, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from imagin.tasks import send_email

    settings.TASKS = DATABASE_TASKS
    pending = ExternalParticipantRequest.objects.create(
        category="private",
        first_name="Jeanne",
        last_name="Petit",
        birth_date="1968-03-14",
        email="jeanne.petit@exemple.invalid",
        holder="Jeanne Petit",
        iban=IBAN,
        bic="AGRIFRPP",
    )
    with django_capture_on_commit_callbacks(execute=True):
        user = external_request_approve(request=pending, by=manager)
    (row,) = DBTaskResult.objects.all()
    stored = str(row.args_kwargs)
    assert mail.outbox == []
    for secret in ("http", "/comptes/password/reset/key/", user.email, "Jeanne"):
        assert secret not in stored
    # The worker opens it and sends the link.
    sealed = row.args_kwargs["kwargs"]["sealed"]
    assert "/comptes/password/reset/key/" in unseal(sealed)["body"]
    send_email.call(sealed=sealed)
    assert "/comptes/password/reset/key/" in mail.outbox[0].body
    assert mail.outbox[0].to == [user.email]


def test_an_email_queued_before_sealing_is_still_sent(db):
    from imagin.tasks import send_email

    send_email.call(to=["a@exemple.invalid"], subject="S", body="B", html="<p>B</p>")
    assert mail.outbox[0].subject == "S"


def test_an_initial_password_shown_to_a_manager_never_travels_in_a_cookie(
    client, manager, external_participant, monkeypatch
):
    monkeypatch.setattr(
        "accounts.passwords._readable_password", lambda: "Pomme-Tigre-4821"
    )
    client.force_login(manager)
    changelist = reverse("admin:accounts_user_changelist")
    posted = client.post(
        changelist,
        {
            "action": "issue_initial_password",
            "_selected_action": [external_participant.pk],
        },
    )
    shown = client.get(changelist)
    assert "Pomme-Tigre-4821" in shown.content.decode()
    for response in (posted, shown):
        assert "messages" not in response.cookies
        for cookie in response.cookies.values():
            assert "Pomme-Tigre-4821" not in cookie.value


# ------------------------------------------------------------ rate limits


def test_rate_limits_are_counted_in_the_shared_database_cache(db, settings):
    assert (
        settings.CACHES["default"]["BACKEND"]
        == "django.core.cache.backends.db.DatabaseCache"
    )
    cache.set("imagin-test", 3)
    assert cache.get("imagin-test") == 3


def test_development_counts_in_memory():
    result = run_django(
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.CACHES['default']['BACKEND'])",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert "LocMemCache" in result.stdout


def test_a_blocked_sign_in_answers_429_with_a_clear_page(client, participant, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/ip,2/5m/key"}
    for _ in range(2):
        wrong = client.post(
            reverse("account_login"),
            {"login": participant.username, "password": "pas-le-bon-mot-de-passe"},
        )
        assert wrong.status_code == 200
    blocked = client.post(
        reverse("account_login"),
        {"login": participant.username, "password": "pas-le-bon-mot-de-passe"},
    )
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.content.decode()
    assert no_store(blocked)


def test_a_blocked_password_reset_answers_429(client, participant, settings):
    settings.ACCOUNT_RATE_LIMITS = {"reset_password": "20/m/ip,1/m/key"}
    data = {"email": "paul.durand@exemple.invalid"}
    first = client.post(reverse("account_reset_password"), data)
    assert first.status_code == 302
    blocked = client.post(reverse("account_reset_password"), data)
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.content.decode()


# ----------------------------------------------------------------- headers


def test_forms_may_only_post_to_the_site(client, db):
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "form-action 'self'" in policy


def test_single_sign_on_providers_may_receive_a_forms_redirect(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "imagin_oidc": {
            "APPS": [
                {"settings": {"server_url": "https://auth.example.gouv.fr/api/v2"}},
                {"settings": {"server_url": "http://127.0.0.1:9999/oidc"}},
            ]
        }
    }
    settings.CSP_FORM_ACTION_ORIGINS = ["https://logout.example.fr/x", "javascript:x"]
    directive = next(
        part
        for part in content_security_policy().split("; ")
        if part.startswith("form-action")
    )
    assert directive == (
        "form-action 'self' https://auth.example.gouv.fr http://127.0.0.1:9999 "
        "https://logout.example.fr"
    )


def test_hsts_subdomains_and_preload_are_settings(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


# ----------------------------------------------------------- deploy check


def test_the_deployment_check_finds_nothing_with_the_production_variables():
    result = run_django(
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout + result.stderr


def test_the_deployment_check_warns_of_a_cache_each_process_keeps_to_itself():
    result = run_django(
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')",
        **PRODUCTION,
        CACHE_URL="locmemcache://",
    )
    assert result.returncode != 0
    assert "imagin.W002" in result.stdout + result.stderr
