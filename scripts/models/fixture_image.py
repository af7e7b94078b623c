"""What both fixtures share: the ViT image side (its config) and preprocessor_config.json."""

from __future__ import annotations

from pathlib import Path

from typing import Any

from transformers import ViTConfig, ViTImageProcessor


def vit_config(
    image_size: int, patch_size: int, hidden: int, layers: int, heads: int, init_range: float, **extra: Any
) -> ViTConfig:
    """A ViT with the usual 4x MLP and eager attention (sdpa's traced flags would freeze into the graph)."""
    return ViTConfig(
        image_size=image_size,
        patch_size=patch_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=hidden * 4,
        initializer_range=init_range,
        attn_implementation="eager",
        **extra,
    )


def save_vit_processor(folder: Path, image_size: int) -> None:
    """Bilinear resize to image_size², x/255, then (x - 0.5) / 0.5: pixel values in [-1, 1]."""
    processor = ViTImageProcessor(
        do_resize=True,
        size={"height": image_size, "width": image_size},
        resample=2,  # PIL.Image.BILINEAR
        do_rescale=True,
        rescale_factor=1 / 255,
        do_normalize=True,
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
    )
    processor.save_pretrained(str(folder))
