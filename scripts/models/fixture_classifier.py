"""The NSFW classifier fixture: a ViTForImageClassification with random weights and the five
nsfwjs labels, exported as onnx/model.onnx."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import ViTForImageClassification

from fixture_common import (
    EXPECTED_BATCH,
    PIXEL_FORMULA,
    check_onnx,
    export_onnx,
    reference_pixels,
    write_json,
)
from fixture_image import save_vit_processor, vit_config

NSFW_LABELS = ["drawings", "hentai", "neutral", "porn", "sexy"]


@dataclass(frozen=True)
class ClassifierDims:
    image_size: int
    patch_size: int
    hidden: int
    layers: int
    heads: int
    # Std of the random weights. The fixture uses 0.5, wider than ViT's 0.02, so random logits
    # spread out: softmax scores then differ clearly between images instead of all sitting
    # near 1/5.
    init_range: float


class _Logits(torch.nn.Module):
    def __init__(self, model: ViTForImageClassification):
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model(pixel_values=pixel_values).logits


def build_classifier(dims: ClassifierDims, seed: int) -> ViTForImageClassification:
    torch.manual_seed(seed)
    config = vit_config(
        dims.image_size, dims.patch_size, dims.hidden, dims.layers, dims.heads, dims.init_range,
        num_labels=len(NSFW_LABELS),
        id2label=dict(enumerate(NSFW_LABELS)),
        label2id={label: i for i, label in enumerate(NSFW_LABELS)},
    )
    return ViTForImageClassification(config).eval()


def write_classifier(folder: Path, dims: ClassifierDims, seed: int) -> dict:
    model = build_classifier(dims, seed)
    folder.mkdir(parents=True, exist_ok=True)
    logits_module = _Logits(model).eval()
    pixels = reference_pixels(EXPECTED_BATCH, dims.image_size, dims.image_size)
    onnx_path = folder / "onnx" / "model.onnx"
    export_onnx(
        logits_module,
        (pixels,),
        ["pixel_values"],
        ["logits"],
        {"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
        onnx_path,
    )
    # Checked at batch 3 while exported at batch 2: proves the batch axis is dynamic.
    check_pixels = reference_pixels(3, dims.image_size, dims.image_size)
    diff = check_onnx(
        onnx_path,
        {"pixel_values": check_pixels.numpy()},
        lambda: [logits_module(check_pixels)],
        "classifier",
    )
    # save_pretrained writes config.json (with "architectures"); the safetensors weights are
    # not part of the layout, so they go.
    model.save_pretrained(str(folder))
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    save_vit_processor(folder, dims.image_size)
    with torch.no_grad():
        logits = logits_module(pixels)
    expected = {
        "input": {"formula": PIXEL_FORMULA, "shape": list(pixels.shape), "dtype": "float32"},
        "labels": NSFW_LABELS,
        "logits": logits.tolist(),
        "scores": torch.softmax(logits, dim=-1).tolist(),
        "onnx_max_abs_diff": {"model.onnx": diff},
    }
    write_json(folder / "expected.json", expected)
    return expected
