"""Will the participant's financial file still be valid on their mission's day?

A financial file is valid `FINANCIAL_FILE_VALIDITY_MONTHS` months from its
last change (`FinancialFile.is_to_renew`). Before a convocation the division
sees, per assignment, whether the file is valid on the mission's first day,
expires before it, or is missing (`file_state`, the back-office's column and
filter on assignments, `with_file_state`).

Participants whose file is missing, or will have expired by their next
mission, are reminded by e-mail of what to provide
(`manage.py send_financial_file_reminders`, daily): for their next mission
starting within `REMINDER_HORIZON`, once per assignment
(`FinancialFileReminder` is unique per assignment), so running the command
again never sends the same reminder twice; their next mission after that one
gets its own reminder if the file is still not right.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import FinancialFile
from claims.models.reminders import FinancialFileReminder
from imagin.audit import audit_log_many
from imagin.mail import send_templated_mail
from missions.models import Assignment, ConvocationStatus

# Missions starting within this many days get their reminder: early enough to
# send a RIB, late enough to be about the mission at hand.
REMINDER_HORIZON = timedelta(days=45)
REMINDED_ACTION = "missions.assignment.financial_file_reminded"

MISSING = FinancialFileReminder.Reason.MISSING
EXPIRING = FinancialFileReminder.Reason.EXPIRING
VALID = "valid"
STATE_LABELS = {
    VALID: _("Valide"),
    EXPIRING: _("Expire avant la mission"),
    MISSING: _("Manquant"),
}


def _add_months(moment: datetime, months: int) -> tuple[datetime, bool]:
    """`moment` moved by `months` calendar months, same day and time; when
    that day does not exist (31 April), the first instant of the month after,
    and True."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if moment.day <= last:
        return moment.replace(year=year, month=month), False
    year, month = divmod(index + 1, 12)
    return moment.replace(
        year=year, month=month + 1, day=1, hour=0, minute=0, second=0, microsecond=0
    ), True


def expires_at(file: FinancialFile) -> datetime:
    """When the file is to renew: the first instant `is_to_renew` is true."""
    return _add_months(file.updated_at, settings.FINANCIAL_FILE_VALIDITY_MONTHS)[0]


def file_state(file: FinancialFile | None, starts_at: datetime) -> str:
    """VALID, EXPIRING (to renew by the mission's start) or MISSING."""
    if file is None:
        return MISSING
    return EXPIRING if file.is_to_renew(starts_at) else VALID


def _renewable_by(starts_at: datetime) -> Q:
    """The files that are to renew by `starts_at`: changed at the latest
    `FINANCIAL_FILE_VALIDITY_MONTHS` months before it (the inverse of
    `expires_at`, checked against `is_to_renew` by the tests)."""
    before, clipped = _add_months(starts_at, -settings.FINANCIAL_FILE_VALIDITY_MONTHS)
    field = "participant__financial_file__updated_at"
    if clipped:  # every instant of the shorter month before counts
        return Q(**{f"{field}__lt": before})
    return Q(**{f"{field}__lte": before})


def with_file_state(queryset: QuerySet[Assignment], state: str) -> QuerySet[Assignment]:
    """The assignments whose participant's file is in `state` at their
    mission's start: one condition per distinct start of the missions."""
    if state == MISSING:
        return queryset.filter(participant__financial_file__isnull=True)
    starts = queryset.values_list("mission__starts_at", flat=True).distinct()
    expiring = Q(pk__in=[])
    for starts_at in starts.order_by():
        expiring |= Q(mission__starts_at=starts_at) & _renewable_by(starts_at)
    present = queryset.filter(participant__financial_file__isnull=False)
    if state == EXPIRING:
        return present.filter(expiring)
    if state == VALID:
        return present.exclude(expiring)
    return queryset


# ---------------------------------------------------------------- reminders


@dataclass(frozen=True)
class FileReminderReport:
    reminded: int = 0
    without_email: int = 0


def _next_assignments(now: datetime) -> list[Assignment]:
    """Each participant's next mission within the horizon (not withdrawn),
    locked; those a concurrent run holds are skipped (it is reminding them)."""
    locked = list(
        Assignment.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            mission__starts_at__gt=now,
            mission__starts_at__lte=now + REMINDER_HORIZON,
        )
        .exclude(status=ConvocationStatus.WITHDRAWN)
        .values_list("pk", flat=True)
    )
    assignments = (
        Assignment.objects.filter(pk__in=locked)
        .select_related(
            "participant__financial_file",
            "mission__mission_type",
            "mission__exam",
            "mission__epreuve",
            "mission__centre",
        )
        .order_by("participant_id", "mission__starts_at", "pk")
    )
    nexts: dict[int, Assignment] = {}
    for assignment in assignments:
        nexts.setdefault(assignment.participant_id, assignment)
    return list(nexts.values())


def send_financial_file_reminders(*, now: datetime | None = None) -> FileReminderReport:
    """Remind each participant whose file is missing or will have expired by
    their next mission; idempotent (once per assignment). E-mails go once
    the reminders are recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        due: list[tuple[Assignment, str, FinancialFile | None]] = []
        nexts = _next_assignments(now)
        already = set(
            FinancialFileReminder.objects.filter(assignment__in=nexts).values_list(
                "assignment_id", flat=True
            )
        )
        for assignment in nexts:
            file = getattr(assignment.participant, "financial_file", None)
            state = file_state(file, assignment.mission.starts_at)
            if state != VALID and assignment.pk not in already:
                due.append((assignment, state, file))
        reminded = [item for item in due if item[0].participant.email]
        FinancialFileReminder.objects.bulk_create(
            FinancialFileReminder(assignment=assignment, reason=state)
            for assignment, state, _file in reminded
        )
        reasons = {assignment.pk: state for assignment, state, _file in reminded}
        audit_log_many(
            actor=None,
            action=REMINDED_ACTION,
            targets=[(assignment, assignment.status) for assignment, *_ in reminded],
            data_for=lambda assignment: {"reason": reasons[assignment.pk]},
        )
        for assignment, state, file in reminded:
            _send(assignment, state, file)
    return FileReminderReport(
        reminded=len(reminded), without_email=len(due) - len(reminded)
    )


def _send(assignment: Assignment, state: str, file: FinancialFile | None) -> None:
    participant = assignment.participant
    send_templated_mail(
        "financial-file-reminder",
        to=[participant.email],
        context={
            "participant": participant,
            "mission": assignment.mission,
            "missing": state == MISSING,
            "expires_at": expires_at(file) if file is not None else None,
            "nir_required": settings.FINANCIAL_FILE_REQUIRES_NIR,
            "file_url": settings.SITE_URL + reverse("accounts:financial_file"),
        },
        language=participant.language,
    )


# ------------------------------------------------------------- back-office


@admin.display(description=_("Dossier financier"))
def financial_file_column(assignment: Assignment) -> str:
    """The assignments list's column: « Valide », « Expire le … avant la
    mission » or « Manquant » (the participant's file comes with the row:
    `participant__financial_file` in the list's select_related)."""
    file = getattr(assignment.participant, "financial_file", None)
    state = file_state(file, assignment.mission.starts_at)
    if state == EXPIRING and file is not None:
        day = date_format(timezone.localtime(expires_at(file)), "j F Y")
        return gettext("Expire le %(day)s, avant la mission") % {"day": day}
    return str(STATE_LABELS[state])


class FinancialFileFilter(admin.SimpleListFilter):
    title = _("dossier financier à la date de la mission")
    parameter_name = "dossier_financier"

    def lookups(self, request, model_admin):
        return list(STATE_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in STATE_LABELS:
            return with_file_state(queryset, str(self.value()))
        return queryset
