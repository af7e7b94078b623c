"""
Reading and writing by URI: `file:///abs`, plain paths, and `s3://bucket/key` (boto3, which
honours AWS_ENDPOINT_URL for S3-compatible servers). A bare relative URI such as
`models/tiny-vision` is resolved under VLMFLOW_DATA_ROOT, which the compiled Batch task sets.
"""
from __future__ import annotations

import io
import os
import shutil
import time
import tempfile
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlparse

from .access_check import AccessDenied, answer_missing, authorize


class StorageError(Exception):
    """A URI that cannot be read or written; the message names it."""


def _is_relative_key(uri: str) -> bool:
    return "://" not in uri and not uri.startswith(("/", "./", "../"))


def resolve(uri: str, data_root: str | None = None) -> str:
    """Absolute URI: s3://…, file://… kept; paths made absolute; bare keys under the data root."""
    if uri.startswith("s3://"):
        return uri.rstrip("/")
    if uri.startswith("file://"):
        return "file://" + str(Path(unquote(urlparse(uri).path)).resolve())
    if "://" in uri:
        raise StorageError(f"{uri}: unsupported URI scheme (use s3://, file:// or a path)")
    root = data_root if data_root is not None else os.environ.get("VLMFLOW_DATA_ROOT")
    if _is_relative_key(uri) and root:
        return join(resolve(root), uri)
    return "file://" + str(Path(uri).resolve())


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def local_path(uri: str) -> Path | None:
    """The local path of a file:// URI (after resolve), or None for s3://."""
    return Path(unquote(urlparse(uri).path)) if uri.startswith("file://") else None


def _s3():
    import boto3  # only needed for s3:// URIs
    from botocore.config import Config

    # Throttling, 5xx and connection errors on every call are retried with backoff by botocore.
    return boto3.client("s3", config=Config(retries={"max_attempts": 8, "mode": "adaptive"}))


# Multipart above 64 MiB, in 64 MiB parts: a 50 GB optimizer state is 800 parts (S3 allows
# 10,000), read from disk part by part, never whole in memory.
PART_BYTES = 64 << 20


def _transfer_config():
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES, max_concurrency=8)


def _bucket_key(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def open_read(uri: str) -> IO[bytes]:
    """A binary stream of the object; StorageError when it cannot be opened."""
    authorize("s3:GetObject", uri)
    path = local_path(uri)
    if path is not None and not path.exists():
        answer_missing(uri)  # as deployed: S3's 403 for a key the role may not list
    try:
        if path is not None:
            return open(path, "rb")
        bucket, key = _bucket_key(uri)
        return io.BufferedReader(ResumingS3Reader(_s3(), bucket, key), buffer_size=1 << 20)
    except Exception as e:  # noqa: BLE001 - every backend's failure becomes one clear error
        raise StorageError(f"cannot read {uri}: {e}") from e


def read_bytes(uri: str) -> bytes:
    with open_read(uri) as f:
        return f.read()


def exists(uri: str) -> bool:
    """HeadObject. S3 answers a missing key with 404 only to a role that may list it, else 403:
    a 403 means "absent" only when listing the exact key finds nothing (docs/deploy.md,
    "Missing objects"); a real denial raises."""
    authorize("s3:GetObject", uri)
    path = local_path(uri)
    if path is not None:
        if path.exists():
            return True
        try:
            answer_missing(uri)
        except AccessDenied as denied:
            return _absent_after_listing(uri, denied)
        return False
    from botocore.exceptions import ClientError

    bucket, key = _bucket_key(uri)
    try:
        _s3().head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404 or e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        if status != 403:
            raise StorageError(f"cannot read {uri}: {e}") from e
        return _absent_after_listing(uri, StorageError(f"cannot read {uri}: {e}"))


def _absent_after_listing(uri: str, denied: Exception) -> bool:
    """False when a listing with the exact key as prefix (which the runs/ and input grants
    cover) does not find it; the 403 stands when the listing is denied too or finds the key."""
    try:
        authorize("s3:ListBucket", uri)
        path = local_path(uri)
        if path is not None:
            present = path.exists()
        else:
            bucket, key = _bucket_key(uri)
            page = _s3().list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
            present = any(obj["Key"] == key for obj in page.get("Contents", []))
    except Exception:  # noqa: BLE001 - a denied or failed listing leaves the 403 as the answer
        raise denied from None
    if present:
        raise denied
    return False


def _replace_atomically(path: Path, write) -> None:
    """Writes through a temp file beside `path`, then renames it over: readers never see a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        write(f)
    os.replace(tmp, path)


def write_bytes(uri: str, data: bytes) -> None:
    """Writes atomically on a local disk (temp file + rename), so a reader never sees half."""
    authorize("s3:PutObject", uri)
    path = local_path(uri)
    try:
        if path is None:
            bucket, key = _bucket_key(uri)
            _s3().put_object(Bucket=bucket, Key=key, Body=data)
            return
        _replace_atomically(path, lambda f: f.write(data))
    except Exception as e:  # noqa: BLE001
        raise StorageError(f"cannot write {uri}: {e}") from e


def upload_file(uri: str, source: Path) -> None:
    """Copies a local file to the URI: multipart for s3:// (streamed), temp + rename locally."""
    authorize("s3:PutObject", uri)
    path = local_path(uri)
    try:
        if path is None:
            bucket, key = _bucket_key(uri)
            _s3().upload_file(str(source), bucket, key, Config=_transfer_config())
            return
        def copy(out: IO[bytes]) -> None:
            with source.open("rb") as src:
                shutil.copyfileobj(src, out)

        _replace_atomically(path, copy)
    except Exception as e:  # noqa: BLE001
        raise StorageError(f"cannot write {uri}: {e}") from e


def download_file(uri: str, target: Path) -> None:
    authorize("s3:GetObject", uri)
    path = local_path(uri)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if path is not None:
            shutil.copyfile(path, target)
            return
        bucket, key = _bucket_key(uri)
        _s3().download_file(bucket, key, str(target), Config=_transfer_config())
    except Exception as e:  # noqa: BLE001
        raise StorageError(f"cannot read {uri}: {e}") from e


def list_files(uri: str) -> list[str]:
    """Relative names of the files under a folder URI, sorted."""
    authorize("s3:ListBucket", uri.rstrip("/") + "/")
    path = local_path(uri)
    if path is not None:
        return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
    bucket, prefix = _bucket_key(uri)
    names = []
    for page in _s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        names += [obj["Key"][len(prefix) + 1 :] for obj in page.get("Contents", [])]
    return sorted(names)


def delete_folder(uri: str) -> None:
    authorize("s3:ListBucket", uri.rstrip("/") + "/")
    authorize("s3:DeleteObject", uri.rstrip("/") + "/")
    path = local_path(uri)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
        return
    bucket, prefix = _bucket_key(uri)
    client = _s3()
    keys = [{"Key": f"{prefix}/{name}"} for name in list_files(uri)]
    for i in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
        client.delete_objects(Bucket=bucket, Delete={"Objects": keys[i : i + 1000], "Quiet": True})


class ResumingS3Reader(io.RawIOBase):
    """An S3 object as a stream that survives a dropped connection: botocore retries the
    GetObject call itself, not a body that fails mid-read, so a failed read reopens the object
    at the current offset (Range) and carries on, a few times before giving up."""

    ATTEMPTS = 5

    def __init__(self, client, bucket: str, key: str) -> None:
        super().__init__()
        self.client, self.bucket, self.key = client, bucket, key
        self.position = 0
        self.body = self._open()

    def _open(self):
        extra = {"Range": f"bytes={self.position}-"} if self.position else {}
        return self.client.get_object(Bucket=self.bucket, Key=self.key, **extra)["Body"]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        from botocore.exceptions import BotoCoreError

        for attempt in range(self.ATTEMPTS):
            try:
                data = self.body.read(len(buffer))
                break
            except (BotoCoreError, OSError) as e:
                if attempt == self.ATTEMPTS - 1:
                    raise OSError(f"s3://{self.bucket}/{self.key}: read failed at byte {self.position}: {e}") from e
                time.sleep(min(2**attempt, 10) * 0.5)
                self.body = self._open()
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    def close(self) -> None:
        self.body.close()
        super().close()
