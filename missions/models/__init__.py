"""Exams and the jury work they need: the reference data (sessions, exams,
épreuves, centres, types of mission), then missions, competences, availability
and the assignment (convocation) of participants, and the centre heads'
certificates of service done. Every model is importable from here."""

from missions.certificates import CentreHead, ServiceCertificate
from missions.models.auto_assignment import (
    AUTO_RUN_TRANSITIONS,
    AssignmentRun,
    LineKind,
    ProposalLine,
    RunStatus,
    SessionWish,
)
from missions.models.reference import (
    COPY_RATE_LEVELS,
    HOUR_RATE_LEVELS,
    Centre,
    Discipline,
    Epreuve,
    Exam,
    ExamSession,
    MissionType,
)
from missions.models.staffing import (
    CONVOCATION_TRANSITIONS,
    Assignment,
    Availability,
    Competence,
    ConvocationStatus,
    Mission,
)

__all__ = [
    "AUTO_RUN_TRANSITIONS",
    "AssignmentRun",
    "LineKind",
    "ProposalLine",
    "RunStatus",
    "SessionWish",
    "CONVOCATION_TRANSITIONS",
    "COPY_RATE_LEVELS",
    "HOUR_RATE_LEVELS",
    "Assignment",
    "Availability",
    "Centre",
    "CentreHead",
    "Competence",
    "ConvocationStatus",
    "Discipline",
    "Epreuve",
    "Exam",
    "ExamSession",
    "Mission",
    "MissionType",
    "ServiceCertificate",
]
