"""Writing a model folder in the Hugging Face / transformers.js layout: JSON files and the
SHA256SUMS manifest the model cache verifies (lambdas/models/manifest.ts). No torch needed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")


def write_sha256sums(folder: Path) -> None:
    """Writes `sha256sum`-format lines for every other file in the folder, sorted by path."""
    lines = []
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = file.relative_to(folder).as_posix()
        if relative == "SHA256SUMS":
            continue
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        lines.append(f"{digest}  {relative}\n")
    (folder / "SHA256SUMS").write_text("".join(lines))
