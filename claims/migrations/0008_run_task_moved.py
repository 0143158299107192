"""The convocation run's task moved from claims.tasks to claims.runs (to break
an import circle): runs queued under the old path, not yet taken by a worker,
are pointed at the new one so that the upgraded worker runs them."""

from django.db import migrations

OLD = "claims.tasks.execute_convocation_run"
NEW = "claims.runs.execute_convocation_run"


def forward(apps, schema_editor):
    tasks = apps.get_model("django_tasks_database", "DBTaskResult")
    tasks.objects.filter(task_path=OLD, status="READY").update(task_path=NEW)


def backward(apps, schema_editor):
    tasks = apps.get_model("django_tasks_database", "DBTaskResult")
    tasks.objects.filter(task_path=NEW, status="READY").update(task_path=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_payment_batches_and_reminders"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forward, backward)]
