"""The back-office dashboard of a session: claims per status and what they
are worth, the claims waiting for a decision, missions not fully staffed, and
claims submitted and validated per day.

A fixed number of queries whatever the volume, and no claim priced here:
figures are aggregated by the database, amounts are those frozen by the
division (each claim waiting shows its estimate in the queue). The manager's
work queues are counted together, in one query (`queue_counts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from claims import selectors
from claims.models import Claim, ClaimStatus
from claims.models.claim import PRICED
from imagin.audit import AuditEvent
from missions.models import ExamSession, Mission
from missions.rules import ACTIVE

CHART_DAYS = 30
UNDERSTAFFED_SHOWN = 10


@dataclass(frozen=True)
class StatusFigure:
    status: str
    label: str
    count: int
    amount: Decimal | None  # frozen by the division; None before its decision


@dataclass(frozen=True)
class ChartDay:
    day: date
    submitted: int
    approved: int


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    kind: str  # "submitted" or "approved": the CSS class and legend
    label: str  # read by screen readers (SVG <title>)


@dataclass
class Chart:
    """Claims submitted and validated per day, drawn as an SVG bar chart."""

    days: list[ChartDay]
    width: int = 720  # of the plot; the picture has room for the last label
    height: int = 220
    left: int = 36
    bottom: int = 28
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    peak: int = 0

    def __post_init__(self) -> None:
        self.peak = max([max(d.submitted, d.approved) for d in self.days] or [0])
        top = max(self.peak, 1)
        plot_height = self.height - self.bottom - 10
        slot = (self.width - self.left) / max(len(self.days), 1)
        bar_width = max(slot / 2 - 1, 1)
        for index, day in enumerate(self.days):
            x = self.left + index * slot
            for offset, kind, value in (
                (0, "submitted", day.submitted),
                (bar_width, "approved", day.approved),
            ):
                height = plot_height * value / top
                self.bars.append(
                    Bar(
                        x=round(x + offset, 1),
                        y=round(self.height - self.bottom - height, 1),
                        height=round(height, 1),
                        kind=kind,
                        label=f"{day.day:%d/%m} : {value}",
                    )
                )
            if index % 5 == 0 or index == len(self.days) - 1:
                self.ticks.append((round(x, 1), f"{day.day:%d/%m}"))
        self.bar_width = round(bar_width, 1)
        self.axis_y = self.height - self.bottom
        self.view_width = self.width + 30


@dataclass
class Dashboard:
    session: ExamSession | None
    sessions: list[ExamSession]
    statuses: list[StatusFigure] = field(default_factory=list)
    waiting: int = 0
    oldest_waiting: Claim | None = None
    understaffed_count: int = 0
    understaffed: list[Mission] = field(default_factory=list)
    chart: Chart | None = None
    currency: str = "EUR"


def current_session(sessions: list[ExamSession], today: date) -> ExamSession | None:
    """The session whose claims are being dealt with: the one with the
    nearest deadline still to come, else the latest."""
    upcoming = [s for s in sessions if s.claim_deadline >= today]
    if upcoming:
        return min(upcoming, key=lambda s: s.claim_deadline)
    return sessions[0] if sessions else None


def dashboard(session_id: int | None = None) -> Dashboard:
    today = timezone.localdate()
    sessions = list(ExamSession.objects.order_by("-year", "-pk"))
    session = next((s for s in sessions if s.pk == session_id), None)
    session = session or current_session(sessions, today)
    board = Dashboard(session=session, sessions=sessions, currency=settings.CURRENCY)
    if session is None:
        return board
    claims = Claim.objects.filter(assignment__mission__exam__session=session)

    rows = {
        row["status"]: row
        for row in claims.order_by()
        .values("status")
        .annotate(
            count=Count("pk"),
            remuneration=Sum("remuneration_amount"),
            travel=Sum("travel_amount"),
        )
    }
    for status in ClaimStatus:
        row = rows.get(status)
        if row is None:
            continue
        frozen = status in PRICED and row["remuneration"] is not None
        board.statuses.append(
            StatusFigure(
                status,
                str(status.label),
                row["count"],
                row["remuneration"] + (row["travel"] or 0) if frozen else None,
            )
        )

    waiting = claims.filter(selectors.awaiting_decision())
    board.waiting = waiting.count()
    board.oldest_waiting = (
        waiting.select_related("assignment__participant")
        .order_by(selectors.WAITING_ORDER, "pk")
        .first()
    )

    understaffed = (
        Mission.objects.filter(exam__session=session)
        .annotate(
            staffed=Count("assignments", filter=Q(assignments__status__in=ACTIVE))
        )
        .filter(staffed__lt=F("staffing_need"))
    )
    board.understaffed_count = understaffed.count()
    board.understaffed = list(
        understaffed.select_related(
            "exam", "epreuve", "mission_type", "centre"
        ).order_by("starts_at", "pk")[:UNDERSTAFFED_SHOWN]
    )
    board.chart = Chart(per_day(claims, today))
    return board


def per_day(claims, today: date) -> list[ChartDay]:
    """Claims submitted and validated on each of the last CHART_DAYS days,
    from the audit log (a claim sent back and validated again counts on each
    day it was)."""
    first = today - timedelta(days=CHART_DAYS - 1)
    counts = (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Claim),
            target_id__in=claims.values("pk"),
            action__in=("claims.claim.submitted", "claims.claim.approved"),
            created_at__date__gte=first,
        )
        .annotate(day=TruncDate("created_at"))
        .values("day", "action")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_day: dict[date, dict[str, int]] = {}
    for row in counts:
        by_day.setdefault(row["day"], {})[row["action"]] = row["count"]
    return [
        ChartDay(
            day,
            by_day.get(day, {}).get("claims.claim.submitted", 0),
            by_day.get(day, {}).get("claims.claim.approved", 0),
        )
        for day in (first + timedelta(days=n) for n in range(CHART_DAYS))
    ]


def queue_counts(queues: Mapping[int, QuerySet[Claim]]) -> dict[int, int]:
    """The number of claims of each queryset, by key, in one query whatever
    their number: each one a subquery counted over the claims (none when
    `queues` is empty). The querysets are not evaluated on their own."""
    if not queues:
        return {}
    counts = Claim.objects.aggregate(
        **{
            f"queue_{key}": Count("pk", filter=Q(pk__in=queryset.values("pk")))
            for key, queryset in queues.items()
        }
    )
    return {key: counts[f"queue_{key}"] for key in queues}
