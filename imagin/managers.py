"""Model managers shared by the apps."""

from __future__ import annotations

from django.db import models


class NamedWithManager(models.Manager):
    """A default manager that joins the relations the model's __str__ shows.

    Back-office filters and select boxes list objects through the default
    manager; without the join, each label would cost one more query. Only for
    small reference models: the join also applies to `select_for_update`.
    """

    def __init__(self, *related: str) -> None:
        super().__init__()
        self.related = related

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related(*self.related)
