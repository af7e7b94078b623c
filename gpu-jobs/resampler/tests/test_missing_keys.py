"""HeadObject on S3 for a key that may be missing: 404 is absent; a 403 (S3's answer to a role
that may not list the key) is absent only when listing the exact key finds nothing."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from resampler import storage

URI = "s3://bucket/runs/p/r/models/connector/checkpoints/latest.json"
KEY = "runs/p/r/models/connector/checkpoints/latest.json"


@pytest.fixture
def s3(monkeypatch):
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stub = Stubber(client)
    monkeypatch.setattr(storage, "_s3", lambda: client)
    with stub:
        yield stub


def head(stub: Stubber, status: int, code: str) -> None:
    stub.add_client_error("head_object", service_error_code=code, http_status_code=status,
                          expected_params={"Bucket": "bucket", "Key": KEY})


def listing(stub: Stubber, keys: list[str]) -> None:
    stub.add_response("list_objects_v2", {"Contents": [{"Key": k} for k in keys]},
                      expected_params={"Bucket": "bucket", "Prefix": KEY, "MaxKeys": 1})


def test_404_is_absent(s3):
    head(s3, 404, "404")
    assert storage.exists(URI) is False


def test_403_on_an_unlisted_key_is_absent(s3):
    head(s3, 403, "403")
    listing(s3, [KEY + ".tmp"])  # a longer key under the same prefix is not the key
    assert storage.exists(URI) is False


def test_403_on_a_listed_key_is_a_denial(s3):
    head(s3, 403, "403")
    listing(s3, [KEY])
    with pytest.raises(storage.StorageError, match="Forbidden|403"):
        storage.exists(URI)


def test_403_with_the_listing_denied_too_is_a_denial(s3):
    head(s3, 403, "403")
    s3.add_client_error("list_objects_v2", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(storage.StorageError, match=f"cannot read {URI}"):
        storage.exists(URI)


def test_other_errors_are_not_absence(s3):
    head(s3, 500, "InternalError")
    with pytest.raises(storage.StorageError):
        storage.exists(URI)
