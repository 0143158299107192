from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("États de frais")

    def ready(self) -> None:
        # In ready(): models can be imported only once the registry is ready.
        from claims.models import Rate, RateTable
        from claims.rate_book import rates_changed, rates_migrated

        # Every process keeps the rate tables between requests: any change
        # to them starts a new shared version (claims.rate_book).
        for model in (RateTable, Rate):
            for name, signal in (("saved", post_save), ("deleted", post_delete)):
                signal.connect(
                    rates_changed,
                    sender=model,
                    dispatch_uid=f"claims.rate_book.{model.__name__}.{name}",
                )
        # Once per `migrate` (sent for each app: only for this one).
        post_migrate.connect(
            rates_migrated, sender=self, dispatch_uid="claims.rate_book.migrated"
        )
