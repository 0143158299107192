"""Validation and normalisation of the participants' financial identifiers.

The financial file holds the bank details (IBAN, BIC) and the social security
number (NIR) of the exam-jury participants. The checks themselves are
python-stdnum's (IBAN registry and checksum, BIC layout and country, NIR key
with Corsica); this module adds what it lacks: the countries we accept, the
French clé RIB, the NIR's first digit and month, and French messages, meant to
be shown as is to the participant, with a stable ``code`` for callers and tests.
Validators return the normalised value, so that forms store one canonical
spelling; they raise :class:`~django.core.exceptions.ValidationError`.

Masking helpers never raise: they are used for display, including of values
stored before a rule was tightened.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum import numdb
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir

BULLET = "•"

# Copy-pasting from a bank's PDF or web page brings non-breaking and narrow
# non-breaking spaces as well as ordinary ones; all of them are Unicode
# whitespace, hence ``\s``. stdnum only strips ASCII spaces, so it is given
# values compacted here.
_SEPARATORS = re.compile(r"[\s\-]+")
_NIR_SEPARATORS = re.compile(r"[\s.\-]+")

# The overseas territories with their own IBAN country code. The ISO 13616
# registry (hence stdnum's) files them under FR, whose BBAN, clé RIB included,
# their banks use.
_FRENCH_OVERSEAS = frozenset(
    {"GF", "GP", "MQ", "RE", "YT", "NC", "PF", "WF", "PM", "BL", "MF", "TF"}
)
_FRENCH_BBAN_COUNTRIES = _FRENCH_OVERSEAS | {"FR", "MC"}

# The countries whose IBANs are accepted; each name completes "pour ..." in
# the messages, with the right article.
IBAN_COUNTRIES: dict[str, str | Promise] = {
    "FR": _("la France"),
    "GF": _("la Guyane"),
    "GP": _("la Guadeloupe"),
    "MQ": _("la Martinique"),
    "RE": _("La Réunion"),
    "YT": _("Mayotte"),
    "NC": _("la Nouvelle-Calédonie"),
    "PF": _("la Polynésie française"),
    "WF": _("Wallis-et-Futuna"),
    "PM": _("Saint-Pierre-et-Miquelon"),
    "BL": _("Saint-Barthélemy"),
    "MF": _("Saint-Martin"),
    "TF": _("les Terres australes et antarctiques françaises"),
    "MC": _("Monaco"),
    "DE": _("l'Allemagne"),
    "BE": _("la Belgique"),
    "ES": _("l'Espagne"),
    "IT": _("l'Italie"),
    "LU": _("le Luxembourg"),
    "CH": _("la Suisse"),
    "GB": _("le Royaume-Uni"),
    "NL": _("les Pays-Bas"),
    "PT": _("le Portugal"),
}

# The French table for letters in an account number: A-I, J-R and S-Z each
# count 1 to 9, S starting at 2 (there is no letter worth 1 in the last run).
# stdnum has no French IBAN module, so the clé RIB is checked here.
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


def _registry_code(country_code: str) -> str:
    return "FR" if country_code in _FRENCH_OVERSEAS else country_code


def _iban_length(country_code: str) -> int:
    """The IBAN length for ``country_code``, from stdnum's copy of the registry.

    Its BBAN structures read like ``5!n5!n11!c2!n`` (count, then kind).
    """
    info = numdb.get("iban").info(_registry_code(country_code))[0][1]
    return 4 + sum(int(count) for count in re.findall(r"(\d+)!", info["bban"]))


def _rib_key(bank: str, branch: str, account: str) -> str:
    """The two-digit clé RIB of a French bank code, branch and account."""
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
    # stdnum would also drop dots and Unicode dashes, which are refused here.
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
    code, bban = iban[:2], iban[4:]
    if code not in IBAN_COUNTRIES:
        raise ValidationError(
            _("Les IBAN de ce pays (%(code)s) ne sont pas acceptés."),
            code="unsupported_country",
            params={"code": code},
        )
    country = IBAN_COUNTRIES[code]
    expected = _iban_length(code)
    if len(iban) != expected:
        raise ValidationError(
            _(
                "L'IBAN doit compter %(expected)d caractères pour %(country)s "
                "(%(code)s), vous en avez saisi %(length)d."
            ),
            code="invalid_length",
            params={
                "expected": expected,
                "country": country,
                "code": code,
                "length": len(iban),
            },
        )
    # The layout is checked before the checksum, whose message is vaguer: stdnum
    # is given the BBAN under its registry code with check digits that fit, so
    # that only the layout can fail. Its national modules (the Belgian one
    # refuses banks missing from its bundled list) are left out: the checksum
    # below already catches typing mistakes.
    registry_code = _registry_code(code)
    digits = stdnum_iban.calc_check_digits(registry_code + "00" + bban)
    try:
        stdnum_iban.validate(registry_code + digits + bban, check_country=False)
    except StdnumError:
        raise ValidationError(
            _(
                "Cet IBAN ne respecte pas le format attendu pour %(country)s "
                "(%(code)s) : vérifiez les caractères saisis."
            ),
            code="invalid_bban",
            params={"country": country, "code": code},
        ) from None
    # The computed check digits run from 02 to 98, so this also refuses 00, 01
    # and 99, which ISO 13616 excludes although 99 satisfies the modulus.
    if iban[2:4] != stdnum_iban.calc_check_digits(iban):
        raise ValidationError(
            _(
                "Cet IBAN n'est pas valide : vérifiez les caractères saisis "
                "(la clé de contrôle ne correspond pas)."
            ),
            code="invalid_checksum",
        )
    if code in _FRENCH_BBAN_COUNTRIES:
        bank, branch, account, key = bban[:5], bban[5:10], bban[10:21], bban[21:]
        if _rib_key(bank, branch, account) != key:
            raise ValidationError(
                _(
                    "Cet IBAN n'est pas valide : la clé RIB (ses deux derniers "
                    "chiffres) ne correspond pas au reste du numéro."
                ),
                code="invalid_rib_key",
            )
    return iban


def mask_iban(value: str | None) -> str:
    """Return the IBAN for display with all but its ends hidden.

    The country code, the check digits and the last four characters stay
    visible, the rest becomes bullets, in groups of four like on a RIB, so the
    participant can compare, e.g. ``FR76 •••• •••• •••• •••• •••0 189``. A
    value of eight characters or fewer would be shown whole that way, so only
    its first two are. Never raises; ``""`` for an empty value.
    """
    iban = normalize_iban(value)
    if len(iban) > 8:
        masked = iban[:4] + BULLET * (len(iban) - 8) + iban[-4:]
    else:
        masked = iban[:2] + BULLET * (len(iban) - 2)
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


# ---------------------------------------------------------------------------- BIC


def validate_bic(value: str) -> str:
    """Validate a BIC (ISO 9362) and return it without separators, in capitals.

    Eight or eleven characters: bank (4 letters), country (2 letters naming an
    ISO 3166 country), location (2 letters or digits), optionally branch (3
    letters or digits). Does not check that the bank exists. Raises
    :class:`ValidationError` with the code ``required``, ``invalid_length``,
    ``invalid_format`` or ``invalid_country``.
    """
    bic = _compact(value).upper()
    if not bic:
        raise ValidationError(_("Saisissez un BIC."), code="required")
    # Counted here rather than left to stdnum, which drops Unicode dashes and
    # would then count fewer characters than the participant typed.
    if len(bic) not in (8, 11):
        raise ValidationError(
            _("Le BIC doit compter 8 ou 11 caractères, vous en avez saisi %(length)d."),
            code="invalid_length",
            params={"length": len(bic)},
        )
    try:
        return stdnum_bic.validate(bic)
    except InvalidComponent:
        raise ValidationError(
            _(
                "Ce BIC n'est pas valide : ses 5e et 6e lettres (%(code)s) ne "
                "désignent aucun pays."
            ),
            code="invalid_country",
            params={"code": bic[4:6]},
        ) from None
    except StdnumError:
        raise ValidationError(
            _(
                "Ce BIC n'est pas valide : il se compose de 4 lettres (la banque), "
                "2 lettres (le pays), 2 lettres ou chiffres (la ville) et, "
                "éventuellement, 3 lettres ou chiffres (l'agence)."
            ),
            code="invalid_format",
        ) from None


# ---------------------------------------------------------------------------- NIR


def normalize_nir(value: str | None) -> str:
    """Return ``value`` without spaces, dots or hyphens, in capitals (2a → 2A).

    ``""`` for None. Does not validate: pair it with :func:`validate_nir`.
    """
    return _NIR_SEPARATORS.sub("", value or "").upper()


def validate_nir(value: str) -> str:
    """Validate a French social security number (NIR) and return it normalised.

    Fifteen characters once spaces are removed: sex or status (1, 2, 3, 4, 7 or
    8), year (2 digits), month (01-12, or 20-99 when the month is unknown or the
    number provisional: 00 and 13-19 are refused), département (2 digits, or 2A/2B
    for Corsica), commune (3), order number (3), then the two-digit key. stdnum
    checks the characters and the key; the first digit and the month are
    checked here, before the key, so that the message names the likelier
    mistake. Raises :class:`ValidationError` with the code ``required``,
    ``invalid_length``, ``invalid_characters``, ``invalid_sex``,
    ``invalid_month`` or ``invalid_key``.
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
    key_matches = True
    try:
        stdnum_nir.validate(nir)
    except InvalidChecksum:
        key_matches = False
    except StdnumError:
        raise ValidationError(
            _(
                "Le numéro de sécurité sociale ne contient que des chiffres, sauf "
                "2A ou 2B pour un département de Corse."
            ),
            code="invalid_characters",
        ) from None
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
    if not key_matches:
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
