"""The claims' back-office: the claims queue and the claim review page,
payment batches, convocation runs, rate tables, and the dashboard on the
back-office home."""

from claims.admin import claims, dashboard, payments, rates, runs, statements, upstream

__all__ = ["claims", "dashboard", "payments", "rates", "runs", "statements", "upstream"]
