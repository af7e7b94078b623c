"""
Checkpoints under <out>/checkpoints/step-<n>/: connector weights (safetensors) and the rest of
the training state (optimizer, scheduler, step, losses so far, RNG states, config). Both are
written to a local temp file first and then copied (to S3 by multipart upload, streamed from
disk: a real connector's AdamW state is over S3's 5 GB single-PUT limit). The pointer
<out>/checkpoints/latest.json is written last, so a job killed mid-write resumes from the
previous complete checkpoint; it lists the kept checkpoints, and older ones are deleted.
"""
from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save_file

from . import storage
from .config import RESUME_INVARIANT


@dataclass
class Resumed:
    step: int
    losses: list[float]
    lrs: list[float]


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {
        "python": random.getstate(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def connector_tensors(connector: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The trained weights in their own dtype (the export holds exactly these)."""
    return {k: v.detach().cpu().contiguous() for k, v in connector.state_dict().items()}


def save_checkpoint(
    out: str, step: int, connector, optimizer, scheduler, losses, lrs, config_json: str, keep: int
) -> None:
    folder = storage.join(out, "checkpoints", f"step-{step:08d}")
    state = {
        "step": step,
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "losses": losses,
        "lrs": lrs,
        "rng": rng_state(),
        "config": config_json,
    }
    with tempfile.TemporaryDirectory(prefix="checkpoint-") as tmp:
        weights, rest = Path(tmp) / "connector.safetensors", Path(tmp) / "state.pt"
        save_file(connector_tensors(connector), weights)
        torch.save(state, rest)
        storage.upload_file(storage.join(folder, "connector.safetensors"), weights)
        storage.upload_file(storage.join(folder, "state.pt"), rest)
    pointer = storage.join(out, "checkpoints", "latest.json")
    previous = json.loads(storage.read_bytes(pointer)).get("kept", []) if storage.exists(pointer) else []
    kept = [f for f in previous if f != folder][-(keep - 1) :] + [folder] if keep > 1 else [folder]
    storage.write_bytes(pointer, json.dumps({"step": step, "folder": folder, "kept": kept}).encode())
    for old in previous:
        if old not in kept:
            storage.delete_folder(old)


class ResumeError(Exception):
    """The checkpoint was written with a different configuration."""


def load_latest(out: str, connector, optimizer, scheduler, config_json: str, device) -> Resumed | None:
    pointer = storage.join(out, "checkpoints", "latest.json")
    if not storage.exists(pointer):
        return None
    latest = json.loads(storage.read_bytes(pointer))
    folder = latest["folder"]
    with tempfile.TemporaryDirectory(prefix="checkpoint-") as tmp:
        storage.download_file(storage.join(folder, "state.pt"), Path(tmp) / "state.pt")
        state = torch.load(Path(tmp) / "state.pt", weights_only=True, map_location="cpu")
    saved, now = json.loads(state["config"]), json.loads(config_json)
    changed = sorted(k for k in RESUME_INVARIANT if saved.get(k) != now.get(k))
    if changed:
        raise ResumeError(
            f"checkpoint {folder} was written with a different config ({', '.join(changed)}); "
            "use a new --out to start over"
        )
    weights = load_safetensors(storage.read_bytes(storage.join(folder, "connector.safetensors")))
    connector.load_state_dict({k: v.to(device) for k, v in weights.items()}, strict=True)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    return Resumed(step=state["step"], losses=list(state["losses"]), lrs=list(state["lrs"]))
