"""
The frozen parts of the VLM: a vision encoder (SigLIP-like: `last_hidden_state` per patch) and
a causal language model with its tokenizer, loaded from Hugging Face-format folders by URI.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from . import storage


class ModelError(Exception):
    """A model folder that is missing or cannot be loaded."""


@dataclass
class FrozenModels:
    vision: torch.nn.Module
    lm: torch.nn.Module
    tokenizer: Any
    image_size: int
    patches: int
    image_mean: list[float]
    image_std: list[float]

    def connector_config(self, perceiver: dict[str, Any]) -> dict[str, Any]:
        """An Idefics2Config.to_dict()-shaped config for a connector between these two models."""
        text = self.lm.config.to_dict()
        vision = self.vision.config.to_dict()
        return {
            "model_type": "idefics2",
            "vision_config": {
                k: vision[k] for k in ("hidden_size", "image_size", "patch_size") if k in vision
            },
            "text_config": text,
            "perceiver_config": {
                "hidden_size": text["hidden_size"],
                "rms_norm_eps": 1e-6,
                "hidden_act": "silu",
                **perceiver,
            },
        }


def _folder(uri: str, what: str) -> Path:
    try:
        return storage.materialise_dir(
            storage.resolve(uri), Path(tempfile.gettempdir()) / "resampler-models"
        )
    except storage.StorageError as e:
        raise ModelError(f"{what} model: {e}") from e


def _freeze(model: torch.nn.Module, device: torch.device, dtype: torch.dtype) -> torch.nn.Module:
    model.to(device=device, dtype=dtype).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def load_frozen(vision_uri: str, text_uri: str, device: torch.device, dtype: torch.dtype) -> FrozenModels:
    from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

    vision_dir, text_dir = _folder(vision_uri, "vision"), _folder(text_uri, "text")
    try:
        vision = AutoModel.from_pretrained(vision_dir)
    except Exception as e:  # noqa: BLE001 - transformers raises OSError/ValueError/KeyError
        raise ModelError(f"cannot load vision model from {vision_uri}: {e}") from e
    # A full dual encoder (SigLIP/CLIP) carries its vision tower as .vision_model.
    if not hasattr(vision.config, "patch_size") and hasattr(vision, "vision_model"):
        vision = vision.vision_model
    try:
        lm = AutoModelForCausalLM.from_pretrained(text_dir)
        tokenizer = AutoTokenizer.from_pretrained(text_dir)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"cannot load text model from {text_uri}: {e}") from e
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token

    image_size = int(vision.config.image_size)
    patches = (image_size // int(vision.config.patch_size)) ** 2
    mean, std = [0.5] * 3, [0.5] * 3  # SigLIP's normalisation
    pre = vision_dir / "preprocessor_config.json"
    if pre.exists():
        pre_cfg = json.loads(pre.read_text())
        mean, std = pre_cfg.get("image_mean", mean), pre_cfg.get("image_std", std)
    return FrozenModels(
        vision=_freeze(vision, device, dtype),
        lm=_freeze(lm, device, dtype),
        tokenizer=tokenizer,
        image_size=image_size,
        patches=patches,
        image_mean=list(mean),
        image_std=list(std),
    )


def caption_loss(
    frozen: FrozenModels, connector: torch.nn.Module, batch: dict[str, torch.Tensor]
) -> torch.Tensor:
    """Next-token loss on the text tokens, with each image's latents in its slots."""
    lm = frozen.lm
    embeds = lm.get_input_embeddings()(batch["input_ids"])
    pixels = batch["pixel_values"]
    if pixels.shape[0] > 0:
        with torch.no_grad():
            patches = frozen.vision(pixel_values=pixels.to(embeds.dtype)).last_hidden_state
        patch_mask = torch.ones(patches.shape[:2], dtype=torch.bool, device=patches.device)
        latents = connector(patches, patch_mask)
        slots = batch["image_mask"]
        embeds = embeds.masked_scatter(slots.unsqueeze(-1), latents.to(embeds.dtype).reshape(-1))
    out = lm(inputs_embeds=embeds, attention_mask=batch["attention_mask"], labels=batch["labels"])
    return out.loss
