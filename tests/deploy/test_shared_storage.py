"""Uploaded files can live in a private S3-compatible bucket (STORAGE_URL), so
that no web process keeps anything on its own disk."""

from __future__ import annotations

from tests.platform_helpers import run_django

SETTINGS = {
    "DEBUG": "false",
    "SECRET_KEY": "storage-test-only",
    "STORAGE_URL": "s3://imagin-documents/academie-demo?region=eu-west-3",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}

# In the subprocess: moto plays S3 in memory; the models' private storage is
# the bucket; a RIB saved through the model's field comes back, privately.
ROUND_TRIP = """
import django; django.setup()
import boto3
from moto import mock_aws
from django.core.files.base import ContentFile
from accounts.models import FinancialFile
with mock_aws():
    s3 = boto3.client("s3", region_name="eu-west-3")
    s3.create_bucket(
        Bucket="imagin-documents",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-3"},
    )
    storage = FinancialFile._meta.get_field("rib_document").storage
    name = storage.save("rib/participant.pdf", ContentFile(b"%PDF-1.7 rib"))
    with storage.open(name, "rb") as stored:
        print(stored.read().decode())
    key = "academie-demo/" + name
    grants = s3.get_object_acl(Bucket="imagin-documents", Key=key)["Grants"]
    print(sorted(g["Grantee"].get("URI", "owner") for g in grants))
"""


def test_with_storage_url_documents_go_to_a_private_bucket_and_come_back():
    result = run_django(ROUND_TRIP, **SETTINGS)
    assert result.returncode == 0, result.stderr
    content, grants = result.stdout.splitlines()
    assert content == "%PDF-1.7 rib"
    # Nobody but the owner: no AllUsers or AuthenticatedUsers grant.
    assert grants == "['owner']"


def test_a_storage_url_that_is_not_s3_is_refused_at_start_up():
    result = run_django(
        "import django; django.setup()",
        **{**SETTINGS, "STORAGE_URL": "ftp://documents.example/"},
    )
    assert result.returncode != 0
    assert "STORAGE_URL must look like s3://" in result.stderr
