"""Small generated WebDataset shards and manifests for the tests (PIL images, tarfile)."""
from __future__ import annotations

import io
import json
import random
import tarfile
from pathlib import Path

from PIL import Image

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 220), "yellow": (230, 220, 20)}


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (40, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def write_tar(path: Path, members: list[tuple[str, bytes]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def make_pair_shards(folder: Path, shards: int, per_shard: int, seed: int = 0) -> list[dict]:
    """Solid-colour images captioned with their colour: a caption the connector can learn."""
    rng = random.Random(seed)
    entries = []
    for s in range(shards):
        members = []
        for i in range(per_shard):
            name = rng.choice(sorted(COLOURS))
            key = f"s{s:02d}-{i:04d}"
            members += [(f"{key}.jpg", jpeg(COLOURS[name])), (f"{key}.txt", f"a {name} square".encode())]
        path = folder / f"pairs-{s:06d}.tar"
        write_tar(path, members)
        entries.append({"key": path.name, "uri": path.as_uri(), "samples": per_shard, "bytes": path.stat().st_size, "sha256": ""})
    return entries


def write_dataset_manifest(path: Path, shards: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"kind": "dataset", "name": "pairs", "pipeline": "test", "runId": "r",
                                "shards": shards, "counts": {}, "rejects": [], "failedShards": [], "lineage": {}}))
    return path


def write_mixture_manifest(path: Path, shards: list[tuple[str, int, int]]) -> Path:
    """shards: (uri, take, samples)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"kind": "mixture", "name": "mix", "pipeline": "test", "runId": "r", "components": [],
                                "shards": [{"dataset": "d", "uri": u, "take": t, "samples": n, "sha256": ""} for u, t, n in shards],
                                "total": sum(t for _, t, _ in shards), "seed": 0, "lineage": {}}))
    return path
