"""The database cache's table (rate-limit counters shared by every process).

Created here rather than by `manage.py createcachetable` so that `migrate`
alone (make run, make test, CI, a deployment) prepares it. Its name is fixed
(settings.CACHE_TABLE); a CACHE_URL naming another table needs
`createcachetable`.
"""

from django.core.management.commands.createcachetable import (
    Command as CreateCacheTable,
)
from django.db import migrations

TABLE = "imagin_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("imagin", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
