"""Training configuration: the JSON given as `--config` (the DSL's train stage `config`)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields


class ConfigError(Exception):
    """An unknown key or a value of the wrong type or range."""


@dataclass(frozen=True)
class TrainConfig:
    vision_model: str = ""
    text_model: str = ""
    steps: int = 100
    batch_size: int = 8
    grad_accum: int = 1
    lr: float = 1e-4
    min_lr_ratio: float = 0.1
    warmup_steps: int = 10
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 0
    shuffle_buffer: int = 256
    num_workers: int = 2
    checkpoint_every: int = 50
    image_splitting: bool = False
    max_seq_len: int = 512
    # The perceiver's shape, named as in transformers' Idefics2PerceiverConfig.
    resampler_n_latents: int = 64
    resampler_depth: int = 3
    resampler_n_heads: int = 16
    resampler_head_dim: int = 96
    num_key_value_heads: int = 4
    # torch.compile the connector on GPU (fuses its elementwise work; the first steps compile).
    compile: bool = False

    def perceiver(self) -> dict[str, int]:
        keys = ("resampler_n_latents", "resampler_depth", "resampler_n_heads", "resampler_head_dim", "num_key_value_heads")
        return {k: getattr(self, k) for k in keys}

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


# Changing these between a checkpoint and its resumption would change what the resumed run
# computes, so a resume refuses them (steps may not change either: it shapes the schedule).
RESUME_INVARIANT = tuple(f.name for f in fields(TrainConfig) if f.name != "compile")


def parse_config(text: str | None) -> TrainConfig:
    raw = {} if not text else _load(text)
    known = {f.name: f for f in fields(TrainConfig)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(f"config: unknown key(s) {', '.join(unknown)} (known: {', '.join(known)})")
    values = {}
    for key, value in raw.items():
        kind = type(getattr(TrainConfig(), key))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not kind:
            raise ConfigError(f"config.{key}: expected {kind.__name__}, got {value!r}")
        values[key] = value
    config = TrainConfig(**values)
    for key in ("vision_model", "text_model"):
        if not getattr(config, key):
            raise ConfigError(f"config.{key}: required (a model folder URI)")
    positive = ("steps", "batch_size", "grad_accum", "shuffle_buffer", "checkpoint_every", "max_seq_len",
                "resampler_n_latents", "resampler_depth", "resampler_n_heads", "resampler_head_dim",
                "num_key_value_heads")
    for key in positive:
        if getattr(config, key) < 1:
            raise ConfigError(f"config.{key}: must be at least 1, got {getattr(config, key)}")
    if config.lr <= 0 or config.num_workers < 0 or config.warmup_steps < 0:
        raise ConfigError("config: lr must be > 0, num_workers and warmup_steps >= 0")
    return config


def _load(text: str) -> dict:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"--config is not JSON: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError("--config must be a JSON object")
    return raw
