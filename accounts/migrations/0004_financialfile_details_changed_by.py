import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DETAILS_ACTIONS = ("accounts.financial_file.created", "accounts.financial_file.updated")


def details_changed_by_from_the_audit_log(apps, schema_editor):
    """Files saved before this field existed: whoever last saved their bank
    details, as the audit log recorded it (none if it did not)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("imagin", "AuditEvent")
    FinancialFile = apps.get_model("accounts", "FinancialFile")
    content_type = ContentType.objects.filter(
        app_label="accounts", model="financialfile"
    ).first()
    if content_type is None:
        return  # a new database: no file, no event
    for file in FinancialFile.objects.filter(details_changed_by__isnull=True):
        event = (
            AuditEvent.objects.filter(
                target_type=content_type,
                target_id=file.pk,
                action__in=DETAILS_ACTIONS,
                actor__isnull=False,
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if event is not None:
            FinancialFile.objects.filter(pk=file.pk).update(
                details_changed_by_id=event.actor_id
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_language"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("imagin", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="financialfile",
            name="details_changed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="coordonnées modifiées par",
            ),
        ),
        migrations.RunPython(
            details_changed_by_from_the_audit_log, migrations.RunPython.noop
        ),
    ]
