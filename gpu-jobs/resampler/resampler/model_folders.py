"""
Model folders by URI (`s3://…`, `file://…`, a path, or a key under VLMFLOW_DATA_ROOT), made
local once per machine: several ranks on one node share one download (a file lock; the first
downloads into a temp folder and renames it into place, the others wait and reuse it).
"""
from __future__ import annotations

import fcntl
import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from . import storage
from .access_check import authorize


class ModelError(Exception):
    """A model folder that is missing or cannot be downloaded."""


def default_cache_root() -> Path:
    return Path(tempfile.gettempdir()) / "resampler-models"


def materialise(uri: str, what: str, cache_root: Path) -> Path:
    """A local folder with the contents of the model folder URI."""
    try:
        resolved = storage.resolve(uri)
    except storage.StorageError as e:
        raise ModelError(f"{what} model: {e}") from e
    path = storage.local_path(resolved)
    if path is not None:
        if not path.is_dir():
            raise ModelError(f"{what} model: model folder {resolved} does not exist")
        # As deployed, a local folder stands for the bucket: the requests an s3:// folder
        # makes (list, then get each file) are checked all the same.
        for name in storage.list_files(resolved):
            authorize("s3:GetObject", storage.join(resolved, name))
        return path
    bucket, _, prefix = resolved[len("s3://") :].partition("/")
    target = cache_root / bucket / prefix
    target.parent.mkdir(parents=True, exist_ok=True)  # a fresh container has no cache folder yet
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this process dies
        if target.is_dir():
            return target
        try:
            names = storage.list_files(resolved)
            if not names:
                raise ModelError(f"{what} model: model folder {resolved} is empty or does not exist")
            tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
            for name in names:
                storage.download_file(storage.join(resolved, name), tmp / name)
            tmp.rename(target)
        except storage.StorageError as e:
            raise ModelError(f"{what} model: {e}") from e
        except Exception as e:  # noqa: BLE001 - botocore's own errors while listing
            if isinstance(e, ModelError):
                raise
            raise ModelError(f"{what} model: cannot download {resolved}: {e}") from e
        finally:
            for leftover in target.parent.glob(f".{target.name}.*"):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
    return target


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe(uri: str, folder: Path) -> dict[str, Any]:
    """The folder's URI and the sha256 of each file (the model card's lineage)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {"uri": uri, "files": {str(p.relative_to(folder)): sha256_file(p) for p in files}}
