"""The centre heads' certificate of service done (constat de service fait).

A centre head sees the missions of the centre(s) they head, recent first, and
for each its convoked participants; they certify each one present or absent,
with an optional comment (`service_certify`). Only a head of the mission's
centre may; a certificate changes until the division validates the claim
(then the amounts are frozen on what was certified). Each certificate written
leaves an audit event on the convocation ("missions.service.certified").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from claims.models.claim import PRICED, Claim
from imagin.audit import audit_log
from imagin.text import validate_printable
from missions.certificates import CentreHead, ServiceCertificate, certificate_of
from missions.models import Assignment, ConvocationStatus, Mission

CERTIFIED = "missions.service.certified"
COMMENT_MAX = 1000


def headed_centre_ids(user: User) -> list[int]:
    """The centres `user` heads (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        CentreHead.objects.filter(user=user, user__is_active=True).values_list(
            "centre_id", flat=True
        )
    )


def is_centre_head(user: User) -> bool:
    return bool(headed_centre_ids(user))


def _convoked() -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(status=ConvocationStatus.CONVOKED)
        .select_related("participant", "service_certificate", "claim")
        .order_by("participant__last_name", "participant__first_name", "pk")
    )


def centre_missions(user: User) -> QuerySet[Mission]:
    """The missions of `user`'s centres that have convoked participants,
    recent first, each with its convoked assignments, their certificates and
    claims prefetched (a fixed number of queries for a page)."""
    return (
        Mission.objects.filter(
            centre__head_links__user=user,
            centre__head_links__user__is_active=True,
            assignments__status=ConvocationStatus.CONVOKED,
        )
        .distinct()
        .select_related("exam", "epreuve", "mission_type", "centre__commune")
        .prefetch_related(
            Prefetch("assignments", queryset=_convoked(), to_attr="convoked")
        )
        .order_by("-starts_at", "-pk")
    )


def centre_mission(user: User, pk: int) -> Mission | None:
    """One mission of `user`'s centres, loaded as `centre_missions` loads it."""
    return centre_missions(user).filter(pk=pk).first()


def is_locked(assignment: Assignment) -> bool:
    """Whether the division has validated (or closed) the claim: the
    certificate no longer changes."""
    try:
        claim = assignment.claim
    except Claim.DoesNotExist:
        return False
    return claim.status in PRICED


@dataclass(frozen=True)
class Certification:
    """One person's certificate to write."""

    assignment: Assignment
    present: bool
    comment: str = ""


def service_certify(
    *,
    assignments: Iterable[Assignment],
    present: bool,
    comment: str = "",
    by: User,
) -> list[ServiceCertificate]:
    """Certify each of `assignments` present (or absent), with `comment`."""
    return service_certify_each(
        [Certification(a, present, comment) for a in assignments], by=by
    )


def service_certify_each(
    certifications: list[Certification], *, by: User
) -> list[ServiceCertificate]:
    """Write the certificates, all or none, in one transaction.

    Raises PermissionDenied unless `by` heads the centre of every mission,
    ValidationError (every problem, in French) for a participant not
    convoked or whose claim the division has already validated.
    """
    if not certifications:
        raise ValidationError(
            _("Choisissez présent(e) ou absent(e) pour au moins un intervenant.")
        )
    # A comment is stored and shown again: no NUL byte or control character
    # (PostgreSQL refuses the first); the page keeps what was typed.
    for certification in certifications:
        validate_printable(certification.comment)
    heads = set(headed_centre_ids(by))
    with transaction.atomic():
        wanted = {c.assignment.pk: c for c in certifications}
        locked = list(
            Assignment.objects.select_for_update(of=("self",))
            .filter(pk__in=wanted)
            .select_related("mission", "participant", "claim", "service_certificate")
            .order_by("pk")
        )
        if len(locked) != len(wanted) or any(
            a.mission.centre_id not in heads for a in locked
        ):
            raise PermissionDenied(
                _(
                    "Seul le chef de centre de cette mission peut certifier le "
                    "service fait."
                )
            )
        now = timezone.now()
        problems = []
        for assignment in locked:
            name = assignment.participant.get_full_name() or str(assignment.participant)
            if assignment.status != ConvocationStatus.CONVOKED:
                problems.append(
                    _("%(name)s n'est pas convoqué(e) à cette mission.")
                    % {"name": name}
                )
            elif assignment.mission.starts_at > now:
                problems.append(
                    _(
                        "La mission de %(name)s n'a pas encore commencé : le service "
                        "fait se certifie une fois la mission commencée."
                    )
                    % {"name": name}
                )
            elif is_locked(assignment):
                problems.append(
                    _(
                        "L'état de frais de %(name)s est déjà validé par la division : "
                        "le service fait ne peut plus être modifié."
                    )
                    % {"name": name}
                )
        if problems:
            raise ValidationError(problems)
        by_name = (by.get_full_name() or by.get_username())[:200]
        written = []
        for assignment in locked:
            wish = wanted[assignment.pk]
            comment = wish.comment.strip()[:COMMENT_MAX]
            before = certificate_of(assignment)
            if (
                before is not None
                and before.present == wish.present
                and before.comment == comment
            ):
                written.append(before)
                continue
            certificate, _created = ServiceCertificate.objects.update_or_create(
                assignment=assignment,
                defaults={
                    "present": wish.present,
                    "comment": comment,
                    "certified_by": by,
                    "certified_by_name": by_name,
                    "certified_at": now,
                },
            )
            audit_log(
                actor=by,
                action=CERTIFIED,
                target=assignment,
                data={
                    "present": wish.present,
                    "comment": comment,
                    "before": None if before is None else before.present,
                },
            )
            written.append(certificate)
        return written
