"""
Reading and writing by URI: `file:///abs`, plain paths, and `s3://bucket/key` (boto3, which
honours AWS_ENDPOINT_URL for S3-compatible servers). A bare relative URI such as
`models/tiny-vision` is resolved under VLMFLOW_DATA_ROOT, which the compiled Batch task sets.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlparse


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

    return boto3.client("s3")


def _bucket_key(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def open_read(uri: str) -> IO[bytes]:
    """A binary stream of the object; StorageError when it cannot be opened."""
    path = local_path(uri)
    try:
        if path is not None:
            return open(path, "rb")
        bucket, key = _bucket_key(uri)
        return _s3().get_object(Bucket=bucket, Key=key)["Body"]
    except Exception as e:  # noqa: BLE001 - every backend's failure becomes one clear error
        raise StorageError(f"cannot read {uri}: {e}") from e


def read_bytes(uri: str) -> bytes:
    with open_read(uri) as f:
        return f.read()


def exists(uri: str) -> bool:
    path = local_path(uri)
    if path is not None:
        return path.exists()
    bucket, key = _bucket_key(uri)
    try:
        _s3().head_object(Bucket=bucket, Key=key)
        return True
    except Exception:  # noqa: BLE001 - missing or unreadable both mean "not there"
        return False


def write_bytes(uri: str, data: bytes) -> None:
    """Writes atomically on a local disk (temp file + rename), so a reader never sees half."""
    path = local_path(uri)
    try:
        if path is None:
            bucket, key = _bucket_key(uri)
            _s3().put_object(Bucket=bucket, Key=key, Body=data)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except Exception as e:  # noqa: BLE001
        raise StorageError(f"cannot write {uri}: {e}") from e


def materialise_dir(uri: str, cache_root: Path) -> Path:
    """A local folder with the contents of a model folder URI (s3:// prefixes are downloaded)."""
    path = local_path(uri)
    if path is not None:
        if not path.is_dir():
            raise StorageError(f"model folder {uri} does not exist")
        return path
    bucket, prefix = _bucket_key(uri)
    target = cache_root / bucket / prefix
    if target.is_dir():
        return target
    client = _s3()
    tmp = Path(tempfile.mkdtemp(dir=cache_root))
    found = False
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(prefix) + 1 :]
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, obj["Key"], str(tmp / rel))
            found = True
    if not found:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StorageError(f"model folder {uri} is empty or does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)
    return target
