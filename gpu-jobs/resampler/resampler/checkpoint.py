"""
Checkpoints under <out>/checkpoints/step-<n>/: connector weights (safetensors) and the rest of
the training state (optimizer, scheduler, step, losses so far, RNG states, config). The pointer
<out>/checkpoints/latest.json is written last, so a job killed mid-write resumes from the
previous complete checkpoint.
"""
from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from typing import Any

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from . import storage


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


def weights_bytes(connector: torch.nn.Module) -> bytes:
    return save_safetensors({k: v.detach().float().cpu().contiguous() for k, v in connector.state_dict().items()})


def save_checkpoint(out: str, step: int, connector, optimizer, scheduler, losses, lrs, config_json: str) -> None:
    folder = storage.join(out, "checkpoints", f"step-{step:08d}")
    storage.write_bytes(storage.join(folder, "connector.safetensors"), weights_bytes(connector))
    buffer = io.BytesIO()
    torch.save(
        {
            "step": step,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "losses": losses,
            "lrs": lrs,
            "rng": rng_state(),
            "config": config_json,
        },
        buffer,
    )
    storage.write_bytes(storage.join(folder, "state.pt"), buffer.getvalue())
    storage.write_bytes(
        storage.join(out, "checkpoints", "latest.json"),
        json.dumps({"step": step, "folder": folder}).encode(),
    )


class ResumeError(Exception):
    """The checkpoint was written with a different configuration."""


def load_latest(out: str, connector, optimizer, scheduler, config_json: str, device) -> Resumed | None:
    pointer = storage.join(out, "checkpoints", "latest.json")
    if not storage.exists(pointer):
        return None
    latest = json.loads(storage.read_bytes(pointer))
    folder = latest["folder"]
    state = torch.load(io.BytesIO(storage.read_bytes(storage.join(folder, "state.pt"))), weights_only=True)
    if state["config"] != config_json:
        saved, now = json.loads(state["config"]), json.loads(config_json)
        changed = sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))
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
