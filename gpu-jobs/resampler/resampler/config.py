"""Training configuration: the JSON given as `--config` (the DSL's train stage `config`)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any


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
    num_workers: int = 4
    checkpoint_every: int = 50
    keep_checkpoints: int = 3
    image_splitting: bool = False
    # Idefics2ImageProcessor's resize: the shorter edge at least this, the longer at most that.
    image_shortest_edge: int = 378
    image_longest_edge: int = 980
    max_seq_len: int = 512
    # Samples of the manifest's last shard kept out of training; the run captions them.
    heldout_samples: int = 4
    # Recompute the LM's activations in backward: at 7B, activations, not weights, fill the GPU.
    gradient_checkpointing: bool = True
    # The perceiver's shape, named as in transformers' Idefics2PerceiverConfig.
    resampler_n_latents: int = 64
    resampler_depth: int = 3
    resampler_n_heads: int = 16
    resampler_head_dim: int = 96
    num_key_value_heads: int = 4
    # torch.compile the connector on GPU (fuses its elementwise work; the first steps compile).
    compile: bool = False
    # An Idefics2Config.to_dict()'s towers, checked against the checkpoints' (empty: not checked).
    vision_config: dict = field(default_factory=dict)
    text_config: dict = field(default_factory=dict)

    def perceiver(self) -> dict[str, int]:
        keys = ("resampler_n_latents", "resampler_depth", "resampler_n_heads", "resampler_head_dim", "num_key_value_heads")
        return {k: getattr(self, k) for k in keys}

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


# Changing these between a checkpoint and its resumption would change what the resumed run
# computes, so a resume refuses them (steps may not change either: it shapes the schedule).
RESUME_INVARIANT = tuple(f.name for f in fields(TrainConfig) if f.name not in ("compile", "keep_checkpoints"))


# Idefics2Config.to_dict() keys the job derives itself (from the checkpoints and tokenizer).
_DERIVED = {"image_token_id", "use_cache", "tie_word_embeddings"}
TOWER_KEYS = {
    "vision_config": ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "image_size",
                      "patch_size", "num_channels"),
    "text_config": ("model_type", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                    "num_key_value_heads"),
}


def _from_idefics2(raw: dict[str, Any]) -> dict[str, Any]:
    """A config that is (or contains) an Idefics2Config.to_dict(): its perceiver shape becomes
    the resampler_* keys; its vision/text configs are kept to be checked against the towers."""
    from transformers import Idefics2Config, PreTrainedConfig

    generic = set(PreTrainedConfig().to_dict()) | set(Idefics2Config().to_dict()) | _DERIVED
    train_keys = {f.name for f in fields(TrainConfig)} - set(TOWER_KEYS)
    ours = {k: v for k, v in raw.items() if k in train_keys}
    theirs = {k: v for k, v in raw.items() if k not in train_keys}
    unknown = sorted(set(theirs) - generic)
    if unknown:
        raise ConfigError(f"config: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(train_keys))}, "
                          "or the keys of an Idefics2Config.to_dict())")
    perceiver = theirs.get("perceiver_config") or {}
    if not isinstance(perceiver, dict):
        raise ConfigError("config.perceiver_config: expected an object (Idefics2PerceiverConfig.to_dict())")
    for key in ("resampler_n_latents", "resampler_depth", "resampler_n_heads", "resampler_head_dim",
                "num_key_value_heads"):
        if key in perceiver:
            if key in ours and ours[key] != perceiver[key]:
                raise ConfigError(f"config: {key}={ours[key]} and perceiver_config.{key}={perceiver[key]} disagree")
            ours[key] = perceiver[key]
    for tower, keys in TOWER_KEYS.items():
        value = theirs.get(tower)
        if value is not None:
            if not isinstance(value, dict):
                raise ConfigError(f"config.{tower}: expected an object")
            ours[tower] = {k: value[k] for k in keys if k in value}
    return ours


def parse_config(text: str | None) -> TrainConfig:
    raw = {} if not text else _load(text)
    if "perceiver_config" in raw or raw.get("model_type") == "idefics2":
        raw = _from_idefics2(raw)
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
                "keep_checkpoints", "image_shortest_edge", "image_longest_edge",
                "resampler_n_latents", "resampler_depth", "resampler_n_heads", "resampler_head_dim",
                "num_key_value_heads")
    for key in positive:
        if getattr(config, key) < 1:
            raise ConfigError(f"config.{key}: must be at least 1, got {getattr(config, key)}")
    if config.lr <= 0 or config.num_workers < 0 or config.warmup_steps < 0 or config.heldout_samples < 0:
        raise ConfigError("config: lr must be > 0, num_workers, warmup_steps and heldout_samples >= 0")
    if config.image_shortest_edge > config.image_longest_edge:
        raise ConfigError(f"config: image_shortest_edge {config.image_shortest_edge} is over image_longest_edge "
                          f"{config.image_longest_edge}")
    if config.resampler_n_heads % config.num_key_value_heads:
        raise ConfigError(f"config: resampler_n_heads={config.resampler_n_heads} is not a multiple of "
                          f"num_key_value_heads={config.num_key_value_heads}")
    return config


def _load(text: str) -> dict:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"--config is not JSON: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError("--config must be a JSON object")
    return raw
