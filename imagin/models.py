from imagin.audit import AuditEvent
from imagin.heartbeat import WorkerHeartbeat

__all__ = ["AuditEvent", "WorkerHeartbeat"]
