from accounts.models.financial_file import FinancialFile, FinancialFileStatus
from accounts.models.people import Commune, Establishment, User
from accounts.models.requests import ExternalParticipantRequest, RequestStatus

__all__ = [
    "Commune",
    "Establishment",
    "ExternalParticipantRequest",
    "FinancialFile",
    "FinancialFileStatus",
    "RequestStatus",
    "User",
]
