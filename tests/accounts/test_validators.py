"""IBAN, BIC and social security number: validation, normalisation, masking."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import (
    mask_iban,
    mask_nir,
    normalize_iban,
    normalize_nir,
    validate_bic,
    validate_iban,
    validate_nir,
)

# The helpers below recompute keys independently of the module under test, so
# that the test examples do not merely echo its own arithmetic.

_FRENCH_LETTERS = {
    **dict(zip("ABCDEFGHI", "123456789", strict=True)),
    **dict(zip("JKLMNOPQR", "123456789", strict=True)),
    **dict(zip("STUVWXYZ", "23456789", strict=True)),
}


def french_bban(bank: str, branch: str, account: str) -> str:
    digits = "".join(_FRENCH_LETTERS.get(c, c) for c in account)
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(digits)) % 97
    return f"{bank}{branch}{account}{key:02d}"


def build_iban(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def with_nir_key(first_13: str) -> str:
    number = int(first_13.replace("2A", "19").replace("2B", "18"))
    return f"{first_13}{97 - number % 97:02d}"


def with_rib_key_plus_one(iban: str) -> str:
    """The same French IBAN, its clé RIB shifted and its check digits redone."""
    bban = iban[4:-2] + f"{(int(iban[-2:]) + 1) % 97:02d}"
    return build_iban(iban[:2], bban)


FRENCH_FORMAT_COUNTRIES = (
    "FR",
    *("GF", "GP", "MQ", "RE", "YT", "NC", "PF", "WF", "PM", "BL", "MF", "TF"),
    "MC",
)


def error_of(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


# ---------------------------------------------------------------------------- IBAN


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
        # Bank 539 is missing from the Belgian bank list bundled with stdnum,
        # which is why its national IBAN modules are not used.
        ("BE68 5390 0754 7034", "BE68539007547034"),
        # Computed by hand: clé RIB 15, check digits 49.
        ("NC49 1488 9000 0112 3456 7890 115", "NC4914889000011234567890115"),
        # Letters in the account: ABC counts 123 for the clé RIB (02).
        ("PF28 1223 9000 01AB C123 4567 802", "PF281223900001ABC1234567802"),
        ("FR57 3000 4008 2800 0123 4567 K59", "FR5730004008280001234567K59"),
    ],
)
def test_a_valid_iban_is_accepted_and_returned_normalised(typed, normalised):
    assert validate_iban(typed) == normalised


def test_lowercase_hyphens_and_copy_pasted_spaces_are_accepted_and_normalised():
    typed = "fr76-3000\u00a06000 0112\u202f3456 7890 189 "
    assert normalize_iban(typed) == "FR7630006000011234567890189"
    assert validate_iban(typed) == "FR7630006000011234567890189"


@pytest.mark.parametrize("country", FRENCH_FORMAT_COUNTRIES)
def test_every_french_format_country_accepts_a_french_bban_and_checks_its_rib_key(
    country,
):
    iban = build_iban(country, french_bban("20041", "01005", "0500013M026"))
    assert validate_iban(iban) == iban
    assert error_of(validate_iban, with_rib_key_plus_one(iban)).code == (
        "invalid_rib_key"
    )


def test_the_test_helpers_agree_with_the_hand_computed_examples():
    bban = french_bban("14889", "00001", "12345678901")
    assert bban == "148890000112345678901" + "15"
    assert (
        build_iban("NC", "148890000112345678901" + "15")
        == "NC4914889000011234567890115"
    )
    assert with_nir_key("269052A123456") == "269052A12345688"


@pytest.mark.parametrize(
    "bban",
    [
        # K is 2 in the French table (it would be 20 in the ISO 13616 conversion).
        "30004" + "00828" + "0001234567K" + "59",
        "30004" + "00828" + "00012345672" + "59",
        "12239" + "00001" + "ABC12345678" + "02",
        "30006" + "00001" + "12345678901" + "89",
    ],
)
def test_a_french_iban_is_accepted_with_the_rib_key_of_the_french_letter_table(bban):
    iban = build_iban("FR", bban)
    assert validate_iban(iban) == iban
    assert error_of(validate_iban, with_rib_key_plus_one(iban)).code == (
        "invalid_rib_key"
    )


@pytest.mark.parametrize(
    ("letters", "digits"),
    [("AJ", "11"), ("BKS", "222"), ("CLT", "333"), ("IRZ", "999"), ("HQY", "888")],
)
def test_the_french_letter_table_maps_each_run_of_letters(letters, digits):
    padding = "0" * (11 - len(letters))
    key = french_bban("10000", "20000", padding + digits)[-2:]
    iban = build_iban("FR", "10000" + "20000" + padding + letters + key)
    assert validate_iban(iban) == iban


@pytest.mark.parametrize(
    "iban",
    [
        "FR77 3000 6000 0112 3456 7890 189",
        "FR76 3000 6000 0112 3456 7890 198",
        "DE88 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 33",
        "BE68 5390 0754 7035",
    ],
)
def test_an_iban_with_a_wrong_check_digit_is_refused(iban):
    error = error_of(validate_iban, iban)
    assert error.code == "invalid_checksum"
    assert error.messages == [
        "Cet IBAN n'est pas valide : vérifiez les caractères saisis "
        "(la clé de contrôle ne correspond pas)."
    ]


def test_check_digits_99_are_refused_even_though_they_satisfy_the_modulus():
    # 99 = 02 + 97: both pass MOD 97-10, but ISO 13616 only allows 02 to 98.
    assert validate_iban("BE02 5390 0750 0013") == "BE02539007500013"
    error = error_of(validate_iban, "BE99 5390 0750 0013")
    assert error.code == "invalid_checksum"


@pytest.mark.parametrize("check_digits", ["00", "01"])
def test_check_digits_00_and_01_are_refused(check_digits):
    iban = "BE" + check_digits + "539007500013"
    assert error_of(validate_iban, iban).code == "invalid_checksum"


def test_a_french_iban_with_a_correct_checksum_but_a_wrong_rib_key_is_refused():
    bban = french_bban("30006", "00001", "12345678901")
    wrong_key = bban[:-2] + f"{(int(bban[-2:]) + 1) % 97:02d}"
    iban = build_iban("FR", wrong_key)
    error = error_of(validate_iban, iban)
    assert error.code == "invalid_rib_key"
    assert error.messages == [
        "Cet IBAN n'est pas valide : la clé RIB (ses deux derniers chiffres) ne "
        "correspond pas au reste du numéro."
    ]


def test_an_overseas_iban_with_a_rib_key_computed_the_iso_way_is_refused():
    # With A=10, B=11, C=12 (the ISO 13616 conversion) the clé RIB of
    # 12239 00001 ABC12345678 would be 93; the French table gives 02.
    iban = build_iban("PF", "1223900001ABC12345678" + "93")
    assert error_of(validate_iban, iban).code == "invalid_rib_key"


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        (
            "FR76 3000 6000 0112 3456 7890 1",
            "L'IBAN doit compter 27 caractères pour la France (FR), "
            "vous en avez saisi 25.",
        ),
        (
            "NC49 1488 9000 0112 3456 7890 1155",
            "L'IBAN doit compter 27 caractères pour la Nouvelle-Calédonie (NC), "
            "vous en avez saisi 28.",
        ),
        (
            "DE89 3704 0044 0532 0130 0",
            "L'IBAN doit compter 22 caractères pour l'Allemagne (DE), "
            "vous en avez saisi 21.",
        ),
        (
            "LU28 0019 4006 4475 0000 0",
            "L'IBAN doit compter 20 caractères pour le Luxembourg (LU), "
            "vous en avez saisi 21.",
        ),
        (
            "NL91 ABNA 0417 1643 00 1",
            "L'IBAN doit compter 18 caractères pour les Pays-Bas (NL), "
            "vous en avez saisi 19.",
        ),
    ],
)
def test_an_iban_of_the_wrong_length_is_refused_with_the_expected_length(iban, message):
    error = error_of(validate_iban, iban)
    assert error.code == "invalid_length"
    assert error.messages == [message]


@pytest.mark.parametrize(
    ("country", "length"),
    [
        ("FR", 27),
        ("MC", 27),
        ("DE", 22),
        ("BE", 16),
        ("ES", 24),
        ("IT", 27),
        ("LU", 20),
        ("CH", 21),
        ("GB", 22),
        ("NL", 18),
        ("PT", 25),
        ("GF", 27),
        ("TF", 27),
    ],
)
def test_each_accepted_country_has_its_registered_iban_length(country, length):
    error = error_of(validate_iban, country + "00" + "1" * (length - 3))
    assert error.code == "invalid_length"
    assert f"doit compter {length} caractères" in error.messages[0]


@pytest.mark.parametrize(
    "iban",
    [
        "ES91 2100 0418 4502 0005 1332",
        "IT60 X054 2811 1010 0000 0123 456",
        "LU28 0019 4006 4475 0000",
        "CH93 0076 2011 6238 5295 7",
        "NL91 ABNA 0417 1643 00",
        "PT50 0002 0123 1234 5678 9015 4",
        "MC58 1122 2000 0101 2345 6789 030",
    ],
)
def test_published_examples_of_the_other_accepted_countries_are_valid(iban):
    assert validate_iban(iban) == normalize_iban(iban)


def test_an_iban_from_a_country_not_accepted_is_refused():
    iban = build_iban("US", "1234567890123456")
    error = error_of(validate_iban, iban)
    assert error.code == "unsupported_country"
    assert error.messages == ["Les IBAN de ce pays (US) ne sont pas acceptés."]


@pytest.mark.parametrize(
    "iban", ["FR76 3000 6000 0112 3456 7890 18é", "FR76.3000.6000", "FR76_3000", "ß"]
)
def test_an_iban_with_other_characters_than_letters_and_digits_is_refused(iban):
    error = error_of(validate_iban, iban)
    assert error.code == "invalid_characters"
    assert error.messages == ["Un IBAN ne contient que des lettres et des chiffres."]


@pytest.mark.parametrize("iban", ["7630006000011234567890189", "FRXX3000", "F", "FR7"])
def test_an_iban_not_starting_with_a_country_and_check_digits_is_refused(iban):
    assert error_of(validate_iban, iban).code == "invalid_format"


@pytest.mark.parametrize("iban", ["", "   ", None])
def test_an_empty_iban_is_refused(iban):
    error = error_of(validate_iban, iban)
    assert error.code == "required"
    assert error.messages == ["Saisissez un IBAN."]


def test_a_letter_where_the_french_bank_code_has_digits_is_refused():
    iban = build_iban("FR", "3000A000011234567890189")
    error = error_of(validate_iban, iban)
    assert error.code == "invalid_bban"
    assert error.messages == [
        "Cet IBAN ne respecte pas le format attendu pour la France (FR) : "
        "vérifiez les caractères saisis."
    ]


def test_an_overseas_iban_is_held_to_the_french_bban_layout():
    iban = build_iban("NC", "1488A" + "00001" + "12345678901" + "15")
    error = error_of(validate_iban, iban)
    assert error.code == "invalid_bban"
    assert error.messages == [
        "Cet IBAN ne respecte pas le format attendu pour la Nouvelle-Calédonie "
        "(NC) : vérifiez les caractères saisis."
    ]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("FR76 3000 6000 0112 3456 7890 189", "FR76 •••• •••• •••• •••• •••0 189"),
        ("DE89370400440532013000", "DE89 •••• •••• •••• ••30 00"),
        ("be68 5390 0754 7034", "BE68 •••• •••• 7034"),
        ("FR761234", "FR•• ••••"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_masked_iban_shows_only_its_country_check_digits_and_last_four(value, masked):
    assert mask_iban(value) == masked


# ----------------------------------------------------------------------------- BIC


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("BNPAFRPP", "BNPAFRPP"),
        ("bnpa fr pp xxx", "BNPAFRPPXXX"),
        ("DEUTDEFF500", "DEUTDEFF500"),
        ("CEPAFRPP751", "CEPAFRPP751"),
        ("BDFEFRPPCCT", "BDFEFRPPCCT"),
        ("NWBKGB2L", "NWBKGB2L"),
    ],
)
def test_a_valid_bic_is_accepted_and_returned_normalised(typed, normalised):
    assert validate_bic(typed) == normalised


@pytest.mark.parametrize("bic", ["BNPAFRP", "BNPAFRPPX", "BNPAFRPPXXXX"])
def test_a_bic_of_the_wrong_length_is_refused(bic):
    error = error_of(validate_bic, bic)
    assert error.code == "invalid_length"
    assert error.messages == [
        f"Le BIC doit compter 8 ou 11 caractères, vous en avez saisi {len(bic)}."
    ]


@pytest.mark.parametrize("bic", ["BNP1FRPP", "BNPAF1PP", "BNPAFRP*", "BNPAFRPP*Y1"])
def test_a_bic_not_following_the_iso_9362_layout_is_refused(bic):
    error = error_of(validate_bic, bic)
    assert error.code == "invalid_format"
    assert error.messages == [
        "Ce BIC n'est pas valide : il se compose de 4 lettres (la banque), "
        "2 lettres (le pays), 2 lettres ou chiffres (la ville) et, "
        "éventuellement, 3 lettres ou chiffres (l'agence)."
    ]


def test_an_empty_bic_is_refused():
    assert error_of(validate_bic, " ").code == "required"


@pytest.mark.parametrize("bic", ["BNPAXXPP", "BNPAFPPP", "DEUTQQFF500"])
def test_a_bic_whose_country_letters_name_no_country_is_refused(bic):
    error = error_of(validate_bic, bic)
    assert error.code == "invalid_country"
    assert error.messages == [
        f"Ce BIC n'est pas valide : ses 5e et 6e lettres ({bic[4:6]}) ne "
        "désignent aucun pays."
    ]


# ----------------------------------------------------------------------------- NIR


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        # 97 - 1850578006084 mod 97 = 91
        ("1 85 05 78 006 084 91", "185057800608491"),
        # 2A counts as 19: 97 - 2690519123456 mod 97 = 88
        ("2 69 05 2A 123 456 88", "269052A12345688"),
        # 2B counts as 18: 97 - 1850518006084 mod 97 = 62
        ("1 85 05 2B 006 084 62", "185052B00608462"),
        ("1 85 05 2b 006 084 62", "185052B00608462"),
        ("1.85.05.78.006.084-91", "185057800608491"),
    ],
)
def test_a_valid_social_security_number_is_accepted_and_normalised(typed, normalised):
    assert validate_nir(typed) == normalised


@pytest.mark.parametrize(
    "first_13", ["1850578006084", "269052A123456", "185052B006084", "8991299999999"]
)
def test_a_social_security_number_with_the_key_97_minus_the_number_modulo_97_is_valid(
    first_13,
):
    # with_nir_key counts 2A as 19 and 2B as 18, as INSEE does.
    nir = with_nir_key(first_13)
    assert validate_nir(nir) == nir


@pytest.mark.parametrize("first", "123478")
def test_a_social_security_number_may_start_with_each_allowed_digit(first):
    first_13 = first + "850578006084"
    assert validate_nir(with_nir_key(first_13)) == with_nir_key(first_13)


@pytest.mark.parametrize("month", ["01", "12", "20", "42", "50", "99"])
def test_a_social_security_number_accepts_real_and_special_months(month):
    first_13 = f"185{month}78006084"
    assert validate_nir(with_nir_key(first_13))


@pytest.mark.parametrize("month", ["00", "13", "19"])
def test_a_social_security_number_with_an_impossible_month_is_refused(month):
    first_13 = f"185{month}78006084"
    error = error_of(validate_nir, with_nir_key(first_13))
    assert error.code == "invalid_month"


@pytest.mark.parametrize("first", "0569")
def test_a_social_security_number_with_an_unknown_first_digit_is_refused(first):
    first_13 = first + "850578006084"
    error = error_of(validate_nir, with_nir_key(first_13))
    assert error.code == "invalid_sex"


@pytest.mark.parametrize(
    "nir", ["1 85 05 78 006 084 90", "1 85 05 78 006 084 19", "2 69 05 2B 123 456 88"]
)
def test_a_social_security_number_with_a_wrong_key_is_refused(nir):
    error = error_of(validate_nir, nir)
    assert error.code == "invalid_key"
    assert error.messages == [
        "La clé du numéro de sécurité sociale ne correspond pas : "
        "vérifiez votre saisie."
    ]


@pytest.mark.parametrize(
    "nir", ["1 85 05 78 006 084", "1 85 05 78 006 084 911", "1850578006084 9"]
)
def test_a_social_security_number_of_the_wrong_length_is_refused(nir):
    error = error_of(validate_nir, nir)
    assert error.code == "invalid_length"
    assert error.messages == [
        "Le numéro de sécurité sociale doit compter 15 caractères "
        "(13 chiffres et la clé)."
    ]


@pytest.mark.parametrize(
    "nir", ["1 85 05 2C 006 084 62", "1 8A 05 78 006 084 91", "1 85 05 78 006 084 9X"]
)
def test_letters_are_refused_in_a_social_security_number_except_for_corsica(nir):
    assert error_of(validate_nir, nir).code == "invalid_characters"


def test_an_empty_social_security_number_is_refused():
    assert error_of(validate_nir, "").code == "required"


def test_normalising_a_social_security_number_removes_separators_and_capitalises():
    assert normalize_nir(" 1 85 05 2a 006.084-62 ") == "185052A00608462"
    assert normalize_nir(None) == ""


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("1 85 05 78 006 084 91", "1 •• •• •• ••• ••• 91"),
        ("269052A12345688", "2 •• •• •• ••• ••• 88"),
        ("1850578", "1••••••"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_masked_social_security_number_shows_only_its_first_digit_and_key(
    value, masked
):
    assert mask_nir(value) == masked
