"""Files written for one download (list exports in the background, the yearly
statements' ZIP) are purged after EXPORT_RETENTION_HOURS
(imagin/export_retention.py, `manage.py purge_exports`): older ones removed,
younger ones and every other private file kept, twice or at once harmless,
on disk and on an S3-compatible bucket; their download then answers a page
saying so (410), to the same people only."""

from __future__ import annotations

import io
import os
import threading
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.storage import private_storage
from claims import statements
from imagin import admin_export, export_retention
from imagin.admin_export import DOWNLOADED_ACTION, READY_ACTION
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.review_helpers import checked_financial_file
from tests.claims.test_statements import THIS_YEAR, paid
from tests.platform_helpers import run_django
from tests.test_admin_export import LISTS, export_url

pytestmark = pytest.mark.django_db
HOURS = 72


@pytest.fixture(autouse=True)
def _files(private_files_in_a_temporary_folder, settings):
    settings.TRAVEL_ENABLED = False
    settings.EXPORT_RETENTION_HOURS = HOURS


def stored(name: str, *, hours_ago: float) -> str:
    """A file saved in private storage, last written `hours_ago`."""
    storage = private_storage()
    name = storage.save(name, ContentFile(b"contenu"))
    written = (timezone.now() - timedelta(hours=hours_ago)).timestamp()
    os.utime(storage.path(name), (written, written))
    return name


def age(name: str, hours: float) -> None:
    path = private_storage().path(name)
    written = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(path, (written, written))


def purge() -> str:
    out = io.StringIO()
    call_command("purge_exports", stdout=out)
    return out.getvalue()


def test_older_files_are_removed_younger_ones_and_others_kept():
    storage = private_storage()
    old_export = stored("exports/claims_claim-a.csv", hours_ago=HOURS + 1)
    old_zip = stored("statements/2026/attestations-2026-a.zip", hours_ago=HOURS + 1)
    young_export = stored("exports/claims_claim-b.xlsx", hours_ago=HOURS - 1)
    young_zip = stored("statements/2026/attestations-2026-b.zip", hours_ago=1)
    # Not a file written for one download: never purged, however old.
    rib = stored("rib/old.pdf", hours_ago=10 * HOURS)

    assert purge() == (
        "2 fichier(s) d'export supprimé(s) (plus anciens que 72 heures).\n"
    )
    assert not storage.exists(old_export) and not storage.exists(old_zip)
    assert all(storage.exists(name) for name in (young_export, young_zip, rib))
    # Run again: nothing more.
    assert purge().startswith("0 fichier(s)")
    assert storage.exists(young_export)


def test_the_retention_setting_is_followed(settings):
    storage = private_storage()
    name = stored("exports/x.csv", hours_ago=5)
    settings.EXPORT_RETENTION_HOURS = 6
    assert export_retention.purge_exports() == 0
    settings.EXPORT_RETENTION_HOURS = 4
    assert export_retention.purge_exports() == 1
    assert not storage.exists(name)


def test_nothing_written_yet_is_nothing_to_purge():
    assert purge().startswith("0 fichier(s)")


def test_a_file_another_purge_removed_meanwhile_is_skipped(monkeypatch):
    storage = private_storage()
    name = stored("exports/gone.csv", hours_ago=HOURS + 1)
    listed = list(export_retention._files(storage, "exports"))
    storage.delete(name)  # the other purge, between the listing and the check
    monkeypatch.setattr(
        export_retention,
        "_files",
        lambda storage, folder: iter(listed if folder == "exports" else []),
    )
    assert export_retention.purge_exports() == 0


def test_two_purges_at_once_remove_every_old_file_and_fail_neither():
    storage = private_storage()
    old = [stored(f"exports/old-{n}.csv", hours_ago=HOURS + 2) for n in range(60)]
    young = stored("exports/young.csv", hours_ago=0)
    errors: list[BaseException] = []
    counts: list[int] = []

    def run() -> None:
        try:
            counts.append(export_retention.purge_exports())
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not any(storage.exists(name) for name in old)
    assert storage.exists(young)
    assert sum(counts) >= len(old)


# ------------------------------------------------------------ downloads


def test_an_export_downloaded_after_the_purge_says_it_was_removed(
    client, manager, monkeypatch
):
    monkeypatch.setattr(admin_export, "EXPORT_INLINE_LIMIT", 0)
    factories.MissionFactory()
    client.force_login(manager)
    case = LISTS["missions"]
    assert client.get(export_url(case, "csv", "")).status_code == 200
    ready = AuditEvent.objects.get(action=READY_ACTION, actor=manager)
    url = reverse("admin:missions_mission_export_download", args=[ready.data["key"]])
    age(ready.data["file"], HOURS - 1)
    purge()
    assert client.get(url).status_code == 200  # younger: still there

    age(ready.data["file"], HOURS + 1)
    assert purge().startswith("1 fichier(s)")
    gone = client.get(url)
    assert gone.status_code == 410
    html = gone.content.decode()
    assert "Ce fichier a été supprimé après 72 heures ; relancez l&#x27;export." in html
    assert f'href="{reverse("admin:missions_mission_changelist")}"' in html
    # One download audited: the one before the purge.
    assert AuditEvent.objects.filter(action=DOWNLOADED_ACTION).count() == 1

    # Access unchanged: another manager still finds nothing there.
    client.force_login(factories.ManagerFactory())
    assert client.get(url).status_code == 404
    client.force_login(factories.UserFactory())
    assert client.get(url).status_code == 302  # to the back-office's sign-in


def test_statements_downloaded_after_the_purge_say_they_were_removed(
    client, manager, participant
):
    checked_financial_file(participant, manager)
    paid(participant, manager)
    client.force_login(manager)
    key = client.post(reverse("admin:claims_statements"), {"year": THIS_YEAR}).context[
        "key"
    ]
    url = reverse("admin:claims_statements_download", args=[THIS_YEAR, key])
    name = f"statements/{THIS_YEAR}/attestations-{THIS_YEAR}-{key}.zip"
    age(name, HOURS + 1)
    assert purge().startswith("1 fichier(s)")

    gone = client.get(url)
    assert gone.status_code == 410
    assert (
        "Ce fichier a été supprimé après 72 heures ; relancez la production "
        "des attestations." in gone.content.decode()
    )
    assert not AuditEvent.objects.filter(action=statements.DOWNLOAD_ACTION).exists()
    client.force_login(factories.ManagerFactory())
    assert client.get(url).status_code == 404
    client.force_login(factories.AdministratorFactory())
    assert client.get(url).status_code == 403


def test_one_hour_is_said_in_the_singular(client, manager, settings):
    settings.EXPORT_RETENTION_HOURS = 1
    assert export_retention.export_gone_text() == (
        "Ce fichier a été supprimé après 1 heure ; relancez l'export."
    )


# ------------------------------------------------------------ deployment

ON_S3 = """
import django; django.setup()
from datetime import timedelta
import boto3
from moto import mock_aws
from django.core.files.base import ContentFile
from django.utils import timezone
from accounts.storage import private_storage
from imagin.export_retention import purge_exports
with mock_aws():
    boto3.client("s3", region_name="eu-west-3").create_bucket(
        Bucket="imagin-documents",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-3"},
    )
    storage = private_storage()
    export = storage.save("exports/claims_claim-a.csv", ContentFile(b"a"))
    zip_ = storage.save("statements/2026/attestations-2026-a.zip", ContentFile(b"z"))
    rib = storage.save("rib/participant.pdf", ContentFile(b"r"))
    print(purge_exports())
    print(purge_exports(now=timezone.now() + timedelta(hours=73)))
    print(storage.exists(export), storage.exists(zip_), storage.exists(rib))
"""


def test_on_an_s3_bucket_the_purge_removes_the_old_exports_only():
    result = run_django(
        ON_S3,
        DEBUG="false",
        SECRET_KEY="retention-test-only",
        STORAGE_URL="s3://imagin-documents/academie-demo?region=eu-west-3",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["0", "2", "False False True"]


@pytest.mark.parametrize("hours", ["0", "-3", "9000", "trois"])
def test_a_retention_out_of_range_is_refused_at_start_up(hours):
    result = run_django(
        "import django; django.setup()",
        DEBUG="false",
        SECRET_KEY="retention-test-only",
        EXPORT_RETENTION_HOURS=hours,
    )
    assert result.returncode != 0
    assert "EXPORT_RETENTION_HOURS" in result.stderr or "trois" in result.stderr
