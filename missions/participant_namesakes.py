"""Who a participants import row without an e-mail address nor a participant
number designates (missions.participant_imports): an external participant
convoked by post, found by name so that a file imported twice finds the
second time the people it created the first.

The one external participant without an e-mail address with the row's `nom`
and `prenom` (case and spaces ignored) is that person; several are refused
(the number tells them apart), and so is a row whose `adresse` differs from
the one the account holds (a homonym, or a move: the number says which).
None is a new person, who must then have an `adresse`: their convocation is
posted; unless an external participant of that name has an e-mail address:
refused too, rather than risk a second account for them (their number or
address says who it is; a homonym is created in the back-office).
"""

from __future__ import annotations

from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import User
from imagin.tabular_import import Row


def name_key(last_name: str, first_name: str) -> tuple[str, str]:
    return (" ".join(last_name.lower().split()), " ".join(first_name.lower().split()))


def row_key(row: Row) -> tuple[str, str]:
    return name_key(row.get("nom"), row.get("prenom"))


def address_line(row: Row) -> str:
    """The row's postal address on one line, as `User.address` holds it."""
    return " ".join(row.get("adresse").split())


def is_unnumbered(row: Row) -> bool:
    return not row.get("email") and not row.get("numero_intervenant")


def namesakes(rows: list[Row]) -> dict[tuple[str, str], list[User]]:
    """External participants named as the rows without an e-mail address
    nor a number, by name key: one query, or none."""
    last_names = {row.get("nom").lower() for row in rows if is_unnumbered(row)}
    found: dict[tuple[str, str], list[User]] = {}
    if not last_names:
        return found
    for user in (
        User.objects.annotate(lower_last_name=Lower("last_name"))
        .filter(kind=User.Kind.EXTERNAL, lower_last_name__in=last_names)
        .order_by("pk")
    ):
        found.setdefault(name_key(user.last_name, user.first_name), []).append(user)
    return found


def by_name(
    row: Row, known: dict[tuple[str, str], list[User]], problems: list[str]
) -> User | None:
    """The account the row designates (module docstring), or None with the
    problems added when it is refused."""
    namesakes = known.get(row_key(row), [])
    people = [user for user in namesakes if not user.email]
    if len(people) > 1:
        problems.append(
            _(
                "plusieurs intervenants extérieurs sans adresse électronique "
                "s'appellent ainsi (n° %s) : indiquez numero_intervenant"
            )
            % ", ".join(sorted(user.participant_number or "" for user in people))
        )
        return None
    if not people and namesakes:
        problems.append(
            _(
                "un intervenant extérieur du même nom (n° %s) a une adresse "
                "électronique : indiquez son numéro ou son adresse, ou créez le "
                "nouvel intervenant dans le back-office"
            )
            % ", ".join(sorted(user.participant_number or "" for user in namesakes))
        )
        return None
    if not people:
        if not row.get("adresse"):
            problems.append(
                _(
                    "sans adresse électronique, un nouvel intervenant extérieur "
                    "est convoqué par courrier : indiquez son adresse"
                )
            )
        return None
    user = people[0]
    if row.get("adresse") and user.address and address_line(row) != user.address:
        problems.append(
            _(
                "un intervenant extérieur du même nom (n° %s) a une autre adresse : "
                "indiquez son numéro pour le mettre à jour, ou créez le nouvel "
                "intervenant dans le back-office"
            )
            % user.participant_number
        )
        return None
    return user
