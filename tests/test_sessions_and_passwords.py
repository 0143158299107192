"""Sessions end (idle timeout, absolute lifetime) and passwords are strong
and bounded (issue 15)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.models import ClaimStatus
from imagin.middleware import SIGNED_IN_AT
from imagin.passwords import MAX_PASSWORD_LENGTH
from tests.platform_helpers import no_store, run_django

PDF = b"%PDF-1.4\n%%EOF\n"
IBAN = "FR7630006000011234567890189"
GOOD_PASSWORD = "Une-phrase-bien-longue-2027"


# ------------------------------------------------------- session lifetime


def _sign_in(client, user, password=GOOD_PASSWORD):
    user.set_password(password)
    user.save()
    return client.post(
        reverse("account_login"), {"login": user.username, "password": password}
    )


def _age_sign_in(client, seconds: int) -> None:
    session = client.session
    session[SIGNED_IN_AT] -= seconds
    session.save()


def test_a_sign_in_records_when_it_started(client, participant):
    _sign_in(client, participant)
    assert isinstance(client.session[SIGNED_IN_AT], int)


def test_an_active_session_ends_after_its_absolute_lifetime(
    client, participant, settings
):
    settings.SESSION_ABSOLUTE_LIFETIME = 12 * 3600
    _sign_in(client, participant)
    _age_sign_in(client, 12 * 3600)
    response = client.get(reverse("claims:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=" in response.url
    assert no_store(response)
    page = client.get(response.url)
    assert "_auth_user_id" not in client.session
    assert "une connexion dure au plus 12 heures" in page.content.decode()


def test_a_form_posted_after_the_lifetime_is_not_replayed_after_signing_in(
    client, participant, convoked_claim
):
    _sign_in(client, participant)
    _age_sign_in(client, 13 * 3600)
    response = client.post(reverse("claims:submit", args=[convoked_claim.pk]))
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=/"
    convoked_claim.refresh_from_db()
    assert convoked_claim.status == ClaimStatus.DRAFT


def test_a_session_younger_than_its_lifetime_goes_on(client, participant, settings):
    settings.SESSION_ABSOLUTE_LIFETIME = 12 * 3600
    _sign_in(client, participant)
    _age_sign_in(client, 11 * 3600)
    assert client.get(reverse("claims:list")).status_code == 200


def test_a_session_from_before_the_rule_counts_from_its_next_request(
    client, participant
):
    client.force_login(participant)
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert client.get(reverse("claims:list")).status_code == 200
    assert isinstance(client.session[SIGNED_IN_AT], int)


def test_the_absolute_lifetime_must_be_a_positive_number_of_seconds():
    result = run_django(
        "import django; django.setup()", DEBUG="true", SESSION_ABSOLUTE_LIFETIME="0"
    )
    assert result.returncode != 0
    assert "SESSION_ABSOLUTE_LIFETIME" in result.stderr


# -------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "abcabcabcabc",
        "motdepasse123",
        "MotDePasse2027",
        "azertyuiop123",
        "jetaime123456",
        "soleil123456",
    ],
)
def test_weak_passwords_are_refused(participant, password):
    with pytest.raises(ValidationError):
        validate_password(password, participant)


def test_the_username_twice_is_refused(participant):
    participant.username = "pdurand27"
    with pytest.raises(ValidationError) as refused:
        validate_password("pdurand27pdurand27", participant)
    codes = {error.code for error in refused.value.error_list}
    assert "password_repeated_pattern" in codes


def test_a_password_holding_the_username_is_refused(external_participant):
    number = external_participant.username
    with pytest.raises(ValidationError) as refused:
        validate_password(f"Ma-Phrase-{number}-secrete", external_participant)
    assert "password_contains_username" in {e.code for e in refused.value.error_list}


def test_a_password_longer_than_the_maximum_is_refused(participant):
    too_long = "".join(f"{i}-Élan" for i in range(40))
    assert len(too_long) > MAX_PASSWORD_LENGTH
    with pytest.raises(ValidationError) as refused:
        validate_password(too_long, participant)
    assert "password_too_long" in {e.code for e in refused.value.error_list}


def test_a_long_passphrase_is_accepted(participant):
    validate_password(GOOD_PASSWORD, participant)
    validate_password("Le jury se réunit à huit heures au lycée Corneille", participant)


def test_choosing_a_common_french_password_is_refused_in_french(client, participant):
    _sign_in(client, participant)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": GOOD_PASSWORD,
            "password1": "motdepasse123",
            "password2": "motdepasse123",
        },
    )
    assert response.status_code == 200
    assert "Ce mot de passe est trop courant." in response.content.decode()
    participant.refresh_from_db()
    assert participant.check_password(GOOD_PASSWORD)


def test_a_megabyte_password_is_refused_at_sign_in_before_anything_checks_it(
    client, participant, monkeypatch
):
    from allauth.account.adapter import get_adapter

    def never(*args, **kwargs):
        raise AssertionError("the password reached authentication")

    monkeypatch.setattr(type(get_adapter()), "authenticate", never)
    response = client.post(
        reverse("account_login"),
        {"login": participant.username, "password": "x" * 1_000_000},
    )
    assert response.status_code == 200
    assert "ne peut pas dépasser 128 caractères" in response.content.decode()
    assert "_auth_user_id" not in client.session
