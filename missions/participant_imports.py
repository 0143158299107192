"""Import of participants (agents and external participants) with their
establishment, commune and competences in a session, read by
`imagin.tabular_import`, all or nothing.

One row per person: `nom`, `prenom` (required), `email` (required for an
agent, who signs in through single sign-on by that address; optional for an
external participant, who is then convoked by post), then optionally
`type` (agent, the default, or exterieur), `identifiant` (an agent's
username; the e-mail address when empty), `numero_intervenant`,
`etablissement` (UAI), `commune` (INSEE code of the residence),
`adresse` (the postal address on one line, as `User.address` holds it:
accounts.postal), `telephone`, `categorie` (A1, A2, B or C),
`limite_missions` (most missions per session) and `competences`: épreuves
of the chosen session, as EXAMEN/EPREUVE or the épreuve code alone when no
other exam of the session has it, separated by "|" or spaces.

A person is found by participant number, else by e-mail address (case
ignored), else by username; all three must point to the same account. An
external participant's row without an e-mail address nor a number is found
by name, and a new one needs an `adresse` (missions.participant_namesakes):
a file imported twice changes nothing the second time. A known person is
updated: an empty cell never erases, and the import never changes an
account's e-mail, username, kind or participant number (the back-office
does, with its checks), nor a back-office account. Competences are only
added. A new agent has no password (single sign-on through their
address, entered by the division and so verified); a new external
participant is created as the back-office creates them
(`external_participant_create`: a new participant number, no password until
the initial one printed on their convocation). No e-mail is sent. Imported
twice, a file changes nothing the second time. One audit event per import
(`missions.participants.imported`, on the session), besides the ones each
new account's creation writes as anywhere else.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.emails import email_address_set_by_staff, normalize
from accounts.imports import changed_fields, concurrent_change_error, text_problem
from accounts.models import Commune, Establishment, User
from accounts.roles import MANAGER, has_role
from accounts.services import external_participant_create
from imagin.audit import audit_log
from imagin.tabular_import import (
    ImportKind,
    ImportReport,
    Row,
    capped,
    column_key,
    line_error,
    read_table,
    split_list,
)
from imagin.text import validate_printable
from missions.import_examples import PARTICIPANTS_EXAMPLE
from missions.models import Competence, Epreuve, ExamSession
from missions.participant_namesakes import (
    address_line,
    by_name,
    is_unnumbered,
    namesakes,
    row_key,
)
from missions.reference_imports import session_field

REQUIRED = ("nom", "prenom")
OPTIONAL = (
    "email",
    "type",
    "identifiant",
    "numero_intervenant",
    "etablissement",
    "commune",
    "adresse",
    "telephone",
    "categorie",
    "limite_missions",
    "competences",
)
KINDS = {
    "agent": User.Kind.AGENT,
    "exterieur": User.Kind.EXTERNAL,
    "external": User.Kind.EXTERNAL,
}
MAX_LOAD_LIMIT = 200
# As long as the back-office forms let it be (User.address).
ADDRESS_MAX_LENGTH: int = User._meta.get_field("address").max_length or 250


def may_import_participants(user: Any) -> bool:
    """The exam division enrols the people it convokes."""
    return has_role(user, MANAGER) or all(
        user.has_perm(perm)
        for perm in (
            "accounts.add_user",
            "accounts.change_user",
            "missions.add_competence",
        )
    )


class _Lookup:
    """What the rows refer to, read in a fixed number of queries."""

    def __init__(self, rows: list[Row], session: ExamSession) -> None:
        emails = {normalize(row.get("email")) for row in rows} - {""}
        numbers = {row.get("numero_intervenant") for row in rows} - {""}
        usernames = {
            row.get("identifiant") or normalize(row.get("email")) for row in rows
        } - {""}
        self.by_email: dict[str, list[User]] = {}
        for user in User.objects.annotate(lower_email=Lower("email")).filter(
            lower_email__in=emails
        ):
            self.by_email.setdefault(normalize(user.email), []).append(user)
        self.by_number = User.objects.in_bulk(numbers, field_name="participant_number")
        self.by_username = User.objects.in_bulk(usernames, field_name="username")
        # External participants without an e-mail address, by name.
        self.by_name = namesakes(rows)
        self.verified_elsewhere = dict(
            EmailAddress.objects.filter(email__in=emails, verified=True).values_list(
                "email", "user_id"
            )
        )
        self.establishments = Establishment.objects.in_bulk(
            {row.get("etablissement").upper() for row in rows}, field_name="uai"
        )
        self.communes = Commune.objects.in_bulk(
            {row.get("commune").upper() for row in rows}, field_name="insee_code"
        )
        self.epreuves: dict[str, list[Epreuve]] = {}
        for epreuve in Epreuve.objects.filter(exam__session=session).select_related(
            "exam"
        ):
            self.epreuves.setdefault(f"{epreuve.exam.code}/{epreuve.code}", []).append(
                epreuve
            )
            self.epreuves.setdefault(epreuve.code, []).append(epreuve)


def _account(row: Row, kind: str, lookup: _Lookup, problems: list[str]) -> User | None:
    """The known account the row designates, if any."""
    email = normalize(row.get("email"))
    found: dict[int, User] = {}
    if kind == User.Kind.EXTERNAL and not email and not row.get("numero_intervenant"):
        return by_name(row, lookup.by_name, problems)
    owners = lookup.by_email.get(email, []) if email else []
    if len(owners) > 1:
        problems.append(_("plusieurs comptes ont l'adresse %s") % email)
        return None
    for user in (
        lookup.by_number.get(row.get("numero_intervenant")),
        owners[0] if owners else None,
        lookup.by_username.get(row.get("identifiant") or email),
    ):
        if user is not None:
            found[user.pk] = user
    if len(found) > 1:
        problems.append(
            _("le numéro, l'adresse et l'identifiant désignent des comptes différents")
        )
        return None
    return next(iter(found.values()), None)


def _check_known(row: Row, user: User, kind: str, problems: list[str]) -> None:
    if user.is_staff or user.is_superuser:
        problems.append(
            _("%s est un compte du back-office : modifiez-le dans sa fiche")
            % user.username
        )
    if kind and kind != user.kind:
        problems.append(_("le type d'intervenant d'un compte ne change pas par import"))
    email = normalize(row.get("email"))
    if email and normalize(user.email) != email:
        problems.append(
            _("l'adresse d'un compte existant (%s) ne change pas par import")
            % user.email
        )
    if row.get("identifiant") and row.get("identifiant") != user.username:
        problems.append(
            _("l'identifiant d'un compte existant (%s) ne change pas par import")
            % user.username
        )
    number = row.get("numero_intervenant")
    if number and user.participant_number and number != user.participant_number:
        problems.append(
            _("le numéro d'intervenant d'un compte existant (%s) ne change pas")
            % user.participant_number
        )


def _check_new(row: Row, kind: str, lookup: _Lookup, problems: list[str]) -> None:
    email = normalize(row.get("email"))
    if email in lookup.verified_elsewhere:
        problems.append(_("l'adresse %s est déjà vérifiée par un autre compte") % email)
    if kind == User.Kind.EXTERNAL:
        if row.get("numero_intervenant"):
            problems.append(
                _(
                    "numéro d'intervenant « %s » inconnu : IMAG'IN attribue le "
                    "numéro d'un nouvel intervenant extérieur, laissez la case vide"
                )
                % row.get("numero_intervenant")
            )
        if row.get("identifiant"):
            problems.append(
                _(
                    "un intervenant extérieur se connecte avec son numéro : "
                    "laissez identifiant vide"
                )
            )
    elif problem := text_problem(
        row.get("identifiant") or email, _("identifiant"), 150
    ):
        problems.append(problem)


def _values(row: Row, lookup: _Lookup, problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "last_name": row.get("nom"),
        "first_name": row.get("prenom"),
        "phone": row.get("telephone"),
        "participant_number": row.get("numero_intervenant"),
        "address": address_line(row),
    }
    for column, field, limit in (
        ("nom", "last_name", 150),
        ("prenom", "first_name", 150),
        ("telephone", "phone", 30),
        ("numero_intervenant", "participant_number", 20),
        ("adresse", "address", ADDRESS_MAX_LENGTH),
    ):
        if problem := text_problem(row.get(column), column, limit):
            problems.append(problem)
            values[field] = ""
    try:
        validate_printable(values["address"])
    except ValidationError:
        problems.append(_("adresse : caractère invisible non autorisé"))
        values["address"] = ""
    if uai := row.get("etablissement"):
        establishment = lookup.establishments.get(uai.upper())
        if establishment is None:
            problems.append(_("établissement « %s » inconnu") % uai)
        values["establishment_id"] = establishment.pk if establishment else None
    if code := row.get("commune"):
        commune = lookup.communes.get(code.upper())
        if commune is None:
            problems.append(_("commune « %s » inconnue") % code)
        values["commune_id"] = commune.pk if commune else None
    if category := row.get("categorie").upper():
        if category not in User.CorpsCategory.values:
            problems.append(
                _("catégorie « %s » inconnue (A1, A2, B ou C)") % row.get("categorie")
            )
        values["corps_category"] = category
    if load := row.get("limite_missions"):
        number = (
            int(load) if load.isascii() and load.isdigit() and len(load) <= 4 else None
        )
        if number is None or not 1 <= number <= MAX_LOAD_LIMIT:
            problems.append(
                _(
                    "limite_missions « %(value)s » : un nombre de 1 à %(max)d "
                    "est attendu"
                )
                % {"value": load, "max": MAX_LOAD_LIMIT}
            )
        values["load_limit"] = number
    return values


def _competences(row: Row, lookup: _Lookup, problems: list[str]) -> list[Epreuve]:
    found = []
    for token in split_list(row.get("competences")):
        matches = lookup.epreuves.get(token.upper(), lookup.epreuves.get(token, []))
        if not matches:
            problems.append(_("épreuve « %s » inconnue dans la session") % token)
        elif len(matches) > 1:
            problems.append(
                _("épreuve « %s » ambiguë : écrivez EXAMEN/EPREUVE") % token
            )
        else:
            found.append(matches[0])
    return found


def participants_import(
    *,
    content: bytes,
    file_name: str = "",
    by: User | None,
    session: ExamSession,
) -> ImportReport:
    """Create or update the participants of the file and add their
    competences in `session`, all or nothing; sends no e-mail."""
    rows, errors = read_table(
        content, file_name=file_name, required=REQUIRED, optional=OPTIONAL
    )
    if errors:
        return ImportReport(errors=errors)
    lookup = _Lookup(rows, session)
    seen: dict[str | tuple[str, str], int] = {}
    planned = []
    for row in rows:
        problems: list[str] = []
        email = normalize(row.get("email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    _("adresse électronique « %s » invalide") % row.get("email")
                )
        # Without an e-mail address nor a number, the name tells who.
        name = row_key(row) if is_unnumbered(row) else None
        for key in (email, row.get("numero_intervenant"), name):
            if key and key in seen:
                problems.append(_("même personne qu'à la ligne %d") % seen[key])
        for column in REQUIRED:
            if not row.get(column):
                problems.append(_("%s manquant") % column)
        kind = ""
        if row.get("type"):
            kind = KINDS.get(column_key(row.get("type")), "")
            if not kind:
                problems.append(
                    _("type « %s » inconnu (agent ou exterieur)") % row.get("type")
                )
        user = _account(row, kind, lookup, problems)
        if not email and (kind or (user.kind if user else User.Kind.AGENT)) == (
            User.Kind.AGENT
        ):
            problems.append(
                _(
                    "email manquant : un agent se connecte par son adresse "
                    "électronique (laissez-la vide pour un intervenant extérieur "
                    "convoqué par courrier, type exterieur)"
                )
            )
        if user is not None:
            _check_known(row, user, kind, problems)
        elif not problems:
            _check_new(row, kind or User.Kind.AGENT, lookup, problems)
        values = _values(row, lookup, problems)
        epreuves = _competences(row, lookup, problems)
        if problems:
            errors.append(line_error(row.line, problems))
            continue
        seen.update(
            {
                key: row.line
                for key in (email, row.get("numero_intervenant"), name)
                if key
            }
        )
        planned.append((row, user, kind or User.Kind.AGENT, values, epreuves))
    if errors:
        return ImportReport(errors=capped(errors))
    try:
        return _write(planned, session=session, by=by, file_name=file_name)
    except IntegrityError:
        return ImportReport(errors=concurrent_change_error())


def _write(planned, *, session: ExamSession, by: User | None, file_name: str):
    report = ImportReport()
    with transaction.atomic():
        known = [user.pk for _r, user, _k, _v, _e in planned if user is not None]
        locked = User.objects.select_for_update().in_bulk(known)
        declared = set(
            Competence.objects.filter(
                participant_id__in=known, epreuve__exam__session=session
            ).values_list("participant_id", "epreuve_id")
        )
        added = []
        for row, user, kind, values, epreuves in planned:
            if user is None:
                user = _create(row, kind, values, by=by)
                outcome = "created"
            else:
                user = locked[user.pk]
                changed = changed_fields(user, values)
                if changed:
                    user.save(update_fields=changed)
                outcome = "updated" if changed else "unchanged"
            new = [e for e in epreuves if (user.pk, e.pk) not in declared]
            for epreuve in new:
                declared.add((user.pk, epreuve.pk))
                added.append(Competence(participant=user, epreuve=epreuve))
            report.count("updated" if new and outcome == "unchanged" else outcome)
        Competence.objects.bulk_create(added)
        audit_log(
            actor=by,
            action="missions.participants.imported",
            target=session,
            data={
                "file": file_name[:200],
                "competences": len(added),
                **report.as_data(),
            },
        )
    return report


def _create(row: Row, kind: str, values: dict[str, Any], *, by: User | None) -> User:
    email = normalize(row.get("email"))
    if kind == User.Kind.EXTERNAL:
        user = external_participant_create(
            by=by,
            first_name=values["first_name"],
            last_name=values["last_name"],
            email=email,
            phone=values["phone"],
            address=values["address"],
        )
        rest = {k: v for k, v in values.items() if k != "participant_number"}
        changed = changed_fields(user, rest)
        if changed:
            user.save(update_fields=changed)
        return user
    user = User(kind=User.Kind.AGENT, username=row.get("identifiant") or email)
    changed_fields(user, values)
    # An agent signs in through single sign-on, with the address the
    # division entered: nobody knows a password for the account.
    user.set_unusable_password()
    user.save()
    email_address_set_by_staff(user=user, email=email, by=by)
    return user


PARTICIPANTS = ImportKind(
    slug="intervenants",
    title=gettext_lazy("Importer des intervenants et leurs compétences"),
    required=REQUIRED,
    optional=OPTIONAL,
    rules=(
        gettext_lazy(
            "nom, prenom : obligatoires ; email : obligatoire pour un agent ; une "
            "personne déjà connue (même numéro d'intervenant, sinon même adresse, "
            "sinon même identifiant) est mise à jour, sans que changent son "
            "adresse, son identifiant, son type ni son numéro ;"
        ),
        gettext_lazy(
            "un intervenant extérieur sans adresse électronique est convoqué par "
            "courrier : adresse (postale, sur une ligne, avec le code postal et la "
            "commune) obligatoire s'il est nouveau ; sans numero_intervenant, il est "
            "retrouvé par son nom et son prénom ;"
        ),
        gettext_lazy(
            "type : agent (par défaut) ou exterieur ; identifiant : celui d'un "
            "agent (son adresse si vide) ; un nouvel intervenant extérieur reçoit "
            "un numéro d'IMAG'IN et son mot de passe initial avec sa convocation ;"
        ),
        gettext_lazy(
            "etablissement : UAI ; commune : code INSEE de la résidence ; "
            "categorie : A1, A2, B ou C ; limite_missions : nombre maximal de "
            "missions par session ;"
        ),
        gettext_lazy(
            "competences : les épreuves de la session choisie, EXAMEN/EPREUVE (ou "
            "le code de l'épreuve seul s'il est unique), séparées par « | » ; "
            "l'import en ajoute, n'en retire jamais. Aucun courriel n'est envoyé."
        ),
    ),
    example=PARTICIPANTS_EXAMPLE,
    run=participants_import,
    may_import=may_import_participants,
    extra_fields=session_field,
)
