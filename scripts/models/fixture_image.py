"""The preprocessor_config.json both fixtures share (ViTImageProcessor)."""

from __future__ import annotations

from pathlib import Path

from transformers import ViTImageProcessor


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
