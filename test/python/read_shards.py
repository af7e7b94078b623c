#!/usr/bin/env python3
"""Reads every .tar in a folder twice, with Python's tarfile and with the webdataset package,
checks that both see the same samples (keys, extensions and bytes), and prints them as JSON:
{"<shard>.tar": [{"key": ..., "exts": [...], "sizes": {ext: bytes}}]}.

Usage: python3 test/python/read_shards.py <dir>
Exit status 1 (with the differences on stderr) when the two readers disagree.
"""
import hashlib
import json
import re
import sys
import tarfile
from pathlib import Path

import webdataset as wds

# WebDataset's own rule (webdataset.tariterators.base_plus_ext): key up to the first "." of the basename.
MEMBER_NAME = re.compile(r"^((?:.*/|)[^.]+)[.]([^/]*)$")
WDS_META_KEYS = {"__key__", "__url__", "__local_path__"}


def read_with_tarfile(path: Path) -> list:
    samples = []
    with tarfile.open(path, mode="r:") as archive:
        for member in archive:
            if not member.isfile():
                raise ValueError(f"{path}: {member.name} is not a regular file")
            match = MEMBER_NAME.match(member.name)
            if match is None:
                raise ValueError(f"{path}: {member.name} has no key group")
            key, ext = match.group(1), match.group(2).lower()
            if not samples or samples[-1]["key"] != key:
                samples.append({"key": key, "parts": {}})
            extracted = archive.extractfile(member)
            samples[-1]["parts"][ext] = extracted.read() if extracted is not None else b""
    return samples


def read_with_webdataset(path: Path) -> list:
    dataset = wds.WebDataset([str(path)], shardshuffle=False, empty_check=False)
    samples = []
    for sample in dataset:
        parts = {name: value for name, value in sample.items() if name not in WDS_META_KEYS}
        samples.append({"key": sample["__key__"], "parts": parts})
    return samples


def summary(samples: list) -> list:
    return [
        {
            "key": sample["key"],
            "exts": list(sample["parts"].keys()),
            "sizes": {ext: len(data) for ext, data in sample["parts"].items()},
        }
        for sample in samples
    ]


def digests(samples: list) -> list:
    return [
        (sample["key"], [(ext, hashlib.sha256(data).hexdigest()) for ext, data in sample["parts"].items()])
        for sample in samples
    ]


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(sys.argv[1])
    result = {}
    disagreements = []
    for path in sorted(folder.glob("*.tar")):
        by_tarfile = read_with_tarfile(path)
        by_webdataset = read_with_webdataset(path)
        if digests(by_tarfile) != digests(by_webdataset):
            disagreements.append(
                {"shard": path.name, "tarfile": summary(by_tarfile), "webdataset": summary(by_webdataset)}
            )
        result[path.name] = summary(by_tarfile)
    if disagreements:
        print(json.dumps({"disagreements": disagreements}, indent=2), file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
