from imagin.audit import AuditEvent

__all__ = ["AuditEvent"]
