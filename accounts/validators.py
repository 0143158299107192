"""Validation and normalisation of the participants' financial identifiers.

The financial file holds the bank details (IBAN, BIC) and the social security
number (NIR) of the exam-jury participants. The functions below are pure: no
database, no network. Validators return the normalised value, so that forms store
one canonical spelling, and refuse bad input with a
:class:`~django.core.exceptions.ValidationError` carrying a French message, meant
to be shown as is to the participant, and a stable ``code`` for callers and tests.

Masking helpers never raise: they are used for display, including of values
stored before a rule was tightened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

BULLET = "•"

# Copy-pasting from a bank's PDF or web page brings non-breaking and narrow
# non-breaking spaces as well as ordinary ones; all of them are Unicode
# whitespace, hence ``\s``.
_SEPARATORS = re.compile(r"[\s\-]+")
_NIR_SEPARATORS = re.compile(r"[\s.\-]+")


@dataclass(frozen=True)
class IbanCountry:
    """How the IBANs of one country are built (ISO 13616 registry)."""

    length: int
    bban: re.Pattern[str]
    # Completes "pour ..." in the messages, with the right article.
    name: str | Promise


# Bank code (5 digits), branch code (5 digits), account number (11 letters or
# digits), clé RIB (2 digits). Monaco and the French overseas territories that
# have their own IBAN country code use the same BBAN as France.
_FRENCH_BBAN = re.compile(r"\d{5}\d{5}[A-Z0-9]{11}\d{2}")

IBAN_COUNTRIES: dict[str, IbanCountry] = {
    "FR": IbanCountry(27, _FRENCH_BBAN, _("la France")),
    "GF": IbanCountry(27, _FRENCH_BBAN, _("la Guyane")),
    "GP": IbanCountry(27, _FRENCH_BBAN, _("la Guadeloupe")),
    "MQ": IbanCountry(27, _FRENCH_BBAN, _("la Martinique")),
    "RE": IbanCountry(27, _FRENCH_BBAN, _("La Réunion")),
    "YT": IbanCountry(27, _FRENCH_BBAN, _("Mayotte")),
    "NC": IbanCountry(27, _FRENCH_BBAN, _("la Nouvelle-Calédonie")),
    "PF": IbanCountry(27, _FRENCH_BBAN, _("la Polynésie française")),
    "WF": IbanCountry(27, _FRENCH_BBAN, _("Wallis-et-Futuna")),
    "PM": IbanCountry(27, _FRENCH_BBAN, _("Saint-Pierre-et-Miquelon")),
    "BL": IbanCountry(27, _FRENCH_BBAN, _("Saint-Barthélemy")),
    "MF": IbanCountry(27, _FRENCH_BBAN, _("Saint-Martin")),
    "TF": IbanCountry(
        27, _FRENCH_BBAN, _("les Terres australes et antarctiques françaises")
    ),
    "MC": IbanCountry(27, _FRENCH_BBAN, _("Monaco")),
    "DE": IbanCountry(22, re.compile(r"\d{18}"), _("l'Allemagne")),
    "BE": IbanCountry(16, re.compile(r"\d{12}"), _("la Belgique")),
    "ES": IbanCountry(24, re.compile(r"\d{20}"), _("l'Espagne")),
    "IT": IbanCountry(27, re.compile(r"[A-Z]\d{10}[A-Z0-9]{12}"), _("l'Italie")),
    "LU": IbanCountry(20, re.compile(r"\d{3}[A-Z0-9]{13}"), _("le Luxembourg")),
    "CH": IbanCountry(21, re.compile(r"\d{5}[A-Z0-9]{12}"), _("la Suisse")),
    "GB": IbanCountry(22, re.compile(r"[A-Z]{4}\d{14}"), _("le Royaume-Uni")),
    "NL": IbanCountry(18, re.compile(r"[A-Z]{4}\d{10}"), _("les Pays-Bas")),
    "PT": IbanCountry(25, re.compile(r"\d{21}"), _("le Portugal")),
}

# Countries whose IBANs carry a French BBAN, hence a clé RIB to check too.
FRENCH_FORMAT_COUNTRIES: frozenset[str] = frozenset(
    code for code, country in IBAN_COUNTRIES.items() if country.bban is _FRENCH_BBAN
)

# The French table for letters in an account number: A-I, J-R and S-Z each
# count 1 to 9, S starting at 2 (there is no letter worth 1 in the last run).
_RIB_LETTER_VALUES = {
    **{letter: str(value) for value, letter in enumerate("ABCDEFGHI", start=1)},
    **{letter: str(value) for value, letter in enumerate("JKLMNOPQR", start=1)},
    **{letter: str(value) for value, letter in enumerate("STUVWXYZ", start=2)},
}


def _compact(value: str | None) -> str:
    return _SEPARATORS.sub("", value or "")


# --------------------------------------------------------------------------- IBAN


def normalize_iban(value: str | None) -> str:
    """Return ``value`` without spaces or hyphens, in capitals; ``""`` for None.

    Does not validate: pair it with :func:`validate_iban`.
    """
    return _compact(value).upper()


def _iban_remainder(iban: str) -> int:
    """ISO 7064 MOD 97-10 of an IBAN, letters counting A=10 to Z=35."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97


def iban_check_digits(country_code: str, bban: str) -> str:
    """Return the two ISO 13616 check digits for ``bban`` in ``country_code``.

    Both arguments are expected normalised (capitals, no separators).
    """
    return f"{98 - _iban_remainder(country_code + '00' + bban):02d}"


def rib_key(bank: str, branch: str, account: str) -> str:
    """Return the two-digit clé RIB of a French bank code, branch and account.

    Letters in ``account`` are converted with the French table (A/J=1, B/K/S=2,
    and so on) before the computation; all arguments are expected in capitals.
    """
    account_digits = "".join(_RIB_LETTER_VALUES.get(char, char) for char in account)
    total = 89 * int(bank) + 15 * int(branch) + 3 * int(account_digits)
    return f"{97 - total % 97:02d}"


def validate_iban(value: str) -> str:
    """Validate an IBAN and return it normalised (see :func:`normalize_iban`).

    Checks, in order: characters (letters and digits only), shape (country code
    then two check digits), country (only those of :data:`IBAN_COUNTRIES` are
    accepted), length for that country, the country's BBAN layout, the ISO 13616
    MOD 97-10 checksum and, for French-format countries, the clé RIB.

    Raises :class:`ValidationError` with one of the codes ``required``,
    ``invalid_characters``, ``invalid_format``, ``unsupported_country``,
    ``invalid_length``, ``invalid_bban``, ``invalid_checksum``,
    ``invalid_rib_key``.
    """
    compact = _compact(value)
    if not compact:
        raise ValidationError(_("Saisissez un IBAN."), code="required")
    # Checked before upper-casing: "ß".upper() is "SS", which would slip through.
    if not re.fullmatch(r"[A-Za-z0-9]+", compact):
        raise ValidationError(
            _("Un IBAN ne contient que des lettres et des chiffres."),
            code="invalid_characters",
        )
    iban = compact.upper()
    if not re.match(r"[A-Z]{2}\d{2}", iban):
        raise ValidationError(
            _(
                "Un IBAN commence par les deux lettres du pays suivies de deux "
                "chiffres (par exemple FR76)."
            ),
            code="invalid_format",
        )
    code = iban[:2]
    country = IBAN_COUNTRIES.get(code)
    if country is None:
        raise ValidationError(
            _("Les IBAN de ce pays (%(code)s) ne sont pas acceptés."),
            code="unsupported_country",
            params={"code": code},
        )
    if len(iban) != country.length:
        raise ValidationError(
            _(
                "L'IBAN doit compter %(expected)d caractères pour %(country)s "
                "(%(code)s), vous en avez saisi %(length)d."
            ),
            code="invalid_length",
            params={
                "expected": country.length,
                "country": country.name,
                "code": code,
                "length": len(iban),
            },
        )
    if not country.bban.fullmatch(iban[4:]):
        raise ValidationError(
            _(
                "Cet IBAN ne respecte pas le format attendu pour %(country)s "
                "(%(code)s) : vérifiez les caractères saisis."
            ),
            code="invalid_bban",
            params={"country": country.name, "code": code},
        )
    # Check digits 00, 01 and 99 are excluded by ISO 13616 even though 99
    # satisfies the modulus like 02 does.
    if iban[2:4] in {"00", "01", "99"} or _iban_remainder(iban) != 1:
        raise ValidationError(
            _(
                "Cet IBAN n'est pas valide : vérifiez les caractères saisis "
                "(la clé de contrôle ne correspond pas)."
            ),
            code="invalid_checksum",
        )
    if code in FRENCH_FORMAT_COUNTRIES:
        bank, branch, account, key = iban[4:9], iban[9:14], iban[14:25], iban[25:]
        if rib_key(bank, branch, account) != key:
            raise ValidationError(
                _(
                    "Cet IBAN n'est pas valide : la clé RIB (ses deux derniers "
                    "chiffres) ne correspond pas au reste du numéro."
                ),
                code="invalid_rib_key",
            )
    return iban


def format_iban(value: str | None) -> str:
    """Return the IBAN normalised and grouped by four (``FR76 3000 6000 …``).

    Does not validate; ``""`` for an empty value.
    """
    iban = normalize_iban(value)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def mask_iban(value: str | None) -> str:
    """Return the IBAN for display with all but its ends hidden.

    The country code, the check digits and the last four characters stay
    visible, the rest becomes bullets; groups of four keep the positions of
    :func:`format_iban`, so the participant can compare with their RIB, e.g.
    ``FR76 •••• •••• •••• •••• •••0 189``. A value of eight characters or fewer
    would be shown whole that way, so only its first two are. Never raises;
    ``""`` for an empty value.
    """
    iban = normalize_iban(value)
    if len(iban) > 8:
        masked = iban[:4] + BULLET * (len(iban) - 8) + iban[-4:]
    else:
        masked = iban[:2] + BULLET * (len(iban) - 2)
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


# ---------------------------------------------------------------------------- BIC


def normalize_bic(value: str | None) -> str:
    """Return ``value`` without spaces or hyphens, in capitals; ``""`` for None."""
    return _compact(value).upper()


def validate_bic(value: str) -> str:
    """Validate a BIC (ISO 9362) and return it normalised.

    Eight or eleven characters: bank (4 letters), country (2 letters), location
    (2 letters or digits), optionally branch (3 letters or digits). Does not check
    that the bank exists. Raises :class:`ValidationError` with the code
    ``required``, ``invalid_length`` or ``invalid_format``.
    """
    bic = normalize_bic(value)
    if not bic:
        raise ValidationError(_("Saisissez un BIC."), code="required")
    if len(bic) not in (8, 11):
        raise ValidationError(
            _("Le BIC doit compter 8 ou 11 caractères, vous en avez saisi %(length)d."),
            code="invalid_length",
            params={"length": len(bic)},
        )
    if not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", bic):
        raise ValidationError(
            _(
                "Ce BIC n'est pas valide : il se compose de 4 lettres (la banque), "
                "2 lettres (le pays), 2 lettres ou chiffres (la ville) et, "
                "éventuellement, 3 lettres ou chiffres (l'agence)."
            ),
            code="invalid_format",
        )
    return bic


def bic_matches_iban_country(bic: str, iban: str) -> bool:
    """Tell whether the BIC's country (letters 5-6) is compatible with the IBAN's.

    Same country, or both within the French-format family (France, its overseas
    codes, Monaco): banks there often hold a French BIC for accounts whose IBAN
    carries the local code, and the reverse. Both values are normalised first;
    meant to run after both validated, it returns False for values too short to
    carry a country.
    """
    bic, iban = normalize_bic(bic), normalize_iban(iban)
    if len(bic) < 6 or len(iban) < 2:
        return False
    bic_country, iban_country = bic[4:6], iban[:2]
    if bic_country == iban_country:
        return True
    return {bic_country, iban_country} <= FRENCH_FORMAT_COUNTRIES


# ---------------------------------------------------------------------------- NIR


def normalize_nir(value: str | None) -> str:
    """Return ``value`` without spaces, dots or hyphens, in capitals (2a → 2A).

    ``""`` for None. Does not validate: pair it with :func:`validate_nir`.
    """
    return _NIR_SEPARATORS.sub("", value or "").upper()


def nir_key(first_13: str) -> str:
    """Return the two-digit key of the first 13 characters of a NIR.

    The key is defined on a number, so for Corsica, by INSEE convention, "2A"
    counts as 19 and "2B" as 18 (the number with 20 there, minus 1,000,000 or
    2,000,000). Expects a normalised, well-formed value.
    """
    department = first_13[5:7]
    digits = first_13[:5] + {"2A": "19", "2B": "18"}.get(department, department)
    digits += first_13[7:]
    return f"{97 - int(digits) % 97:02d}"


def validate_nir(value: str) -> str:
    """Validate a French social security number (NIR) and return it normalised.

    Fifteen characters once spaces are removed: sex or status (1, 2, 3, 4, 7 or
    8), year (2 digits), month (01-12, or 20-99 when the month is unknown or the
    number provisional: 00 and 13-19 are refused), département (2 digits, or 2A/2B
    for Corsica), commune (3), order number (3), then the two-digit key. Raises
    :class:`ValidationError` with the code ``required``, ``invalid_length``,
    ``invalid_characters``, ``invalid_sex``, ``invalid_month`` or ``invalid_key``.
    """
    nir = normalize_nir(value)
    if not nir:
        raise ValidationError(
            _("Saisissez votre numéro de sécurité sociale."), code="required"
        )
    if len(nir) != 15:
        raise ValidationError(
            _(
                "Le numéro de sécurité sociale doit compter 15 caractères "
                "(13 chiffres et la clé)."
            ),
            code="invalid_length",
        )
    if not re.fullmatch(r"\d{5}(?:\d{2}|2A|2B)\d{8}", nir):
        raise ValidationError(
            _(
                "Le numéro de sécurité sociale ne contient que des chiffres, sauf "
                "2A ou 2B pour un département de Corse."
            ),
            code="invalid_characters",
        )
    if nir[0] not in "123478":
        raise ValidationError(
            _("Le numéro de sécurité sociale commence par 1, 2, 3, 4, 7 ou 8."),
            code="invalid_sex",
        )
    month = int(nir[3:5])
    if not (1 <= month <= 12 or month >= 20):
        raise ValidationError(
            _(
                "Le mois de naissance (4e et 5e chiffres du numéro de sécurité "
                "sociale) n'est pas valide."
            ),
            code="invalid_month",
        )
    if nir_key(nir[:13]) != nir[13:]:
        raise ValidationError(
            _(
                "La clé du numéro de sécurité sociale ne correspond pas : "
                "vérifiez votre saisie."
            ),
            code="invalid_key",
        )
    return nir


def mask_nir(value: str | None) -> str:
    """Return the NIR for display with only its first character and key visible.

    A well-formed number keeps the grouping of the carte Vitale, e.g.
    ``1 •• •• •• ••• ••• 42``; anything else shows its first character and
    bullets only, since its key cannot be told apart. Never raises; ``""`` for an
    empty value.
    """
    nir = normalize_nir(value)
    if len(nir) != 15:
        return nir[:1] + BULLET * (len(nir) - 1)
    groups = (nir[0], BULLET * 2, BULLET * 2, BULLET * 2, BULLET * 3, BULLET * 3)
    return " ".join((*groups, nir[13:]))
