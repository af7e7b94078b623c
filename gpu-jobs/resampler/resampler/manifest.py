"""
The dataset manifest the pipeline's Finalize (kind "dataset") or Mix (kind "mixture") stage
writes; shapes in core/manifests.ts. Training reads the shards it lists, in order,
taking the first `take` samples of each (a mixture's last shard of a component may be partial;
an upsampled component lists a shard more than once).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from . import storage


class ManifestError(Exception):
    """A manifest that cannot be read or is not a dataset/mixture manifest."""


@dataclass(frozen=True)
class ShardRef:
    uri: str
    take: int


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ManifestError(f"{where}: expected a non-negative integer, got {value!r}")
    return value


def parse_manifest(text: str, uri: str) -> list[ShardRef]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ManifestError(f"manifest {uri} is not JSON: {e}") from e
    if not isinstance(doc, dict):
        raise ManifestError(f"manifest {uri}: expected a JSON object")
    kind = doc.get("kind")
    if kind not in ("dataset", "mixture"):
        raise ManifestError(f'manifest {uri}: kind must be "dataset" or "mixture", got {kind!r}')
    shards = doc.get("shards")
    if not isinstance(shards, list):
        raise ManifestError(f"manifest {uri}: shards must be a list")
    refs: list[ShardRef] = []
    for i, shard in enumerate(shards):
        where = f"manifest {uri}: shards[{i}]"
        if not isinstance(shard, dict) or not isinstance(shard.get("uri"), str):
            raise ManifestError(f"{where}: expected an object with a uri")
        count = shard.get("take") if kind == "mixture" else shard.get("samples")
        take = _int(count, f"{where}.{'take' if kind == 'mixture' else 'samples'}")
        if take > 0:
            refs.append(ShardRef(storage.resolve(shard["uri"]), take))
    if not refs:
        raise ManifestError(f"manifest {uri}: no samples to train on (0 shards with samples)")
    return refs


def load_manifest(uri: str) -> list[ShardRef]:
    resolved = storage.resolve(uri)
    try:
        text = storage.read_bytes(resolved).decode("utf-8")
    except storage.StorageError as e:
        raise ManifestError(f"cannot read manifest: {e}") from e
    except UnicodeDecodeError as e:
        raise ManifestError(f"manifest {uri} is not UTF-8 text") from e
    return parse_manifest(text, uri)


def describe_manifest(uri: str) -> dict:
    """What the model card says about the data: the manifest's URI, sha256 and lineage."""
    import hashlib

    resolved = storage.resolve(uri)
    data = storage.read_bytes(resolved)
    doc = json.loads(data)
    keys = ("kind", "name", "pipeline", "runId", "total", "counts", "lineage", "components")
    return {"manifest": resolved, "sha256": hashlib.sha256(data).hexdigest(),
            **{k: doc[k] for k in keys if k in doc}}


def split_heldout(refs: list[ShardRef], count: int) -> tuple[list[ShardRef], ShardRef | None, int]:
    """The last `count` samples of the last shard that has more than that, out of training:
    (training refs, that shard, index of its first held-out sample)."""
    if count == 0:
        return refs, None, 0
    last = next((r for r in reversed(refs) if r.take > count), None)
    if last is None:
        return refs, None, 0
    start = last.take - count
    # A shard listed more than once (an upsampled mixture component) loses the samples everywhere.
    training = [ShardRef(r.uri, min(r.take, start)) if r.uri == last.uri else r for r in refs]
    return training, last, start
