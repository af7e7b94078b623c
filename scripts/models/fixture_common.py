"""Shared pieces of the fixture-model script: the documented input tensor, ONNX export with a
check against PyTorch, and the SHA256SUMS manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from model_folder import write_json, write_sha256sums  # noqa: F401  (re-exported)

# The deterministic input every expected.json is computed from (B's tests rebuild it):
#   pixel_values[b, c, y, x] = ((c*7 + y*3 + x + b*5) % 17) / 17 - 0.5   (float32, batch 2)
PIXEL_FORMULA = "pixel_values[b,c,y,x] = ((c*7 + y*3 + x + b*5) % 17) / 17 - 0.5"
EXPECTED_BATCH = 2
MAX_ABS_DIFF = 1e-4


def reference_pixels(batch: int, height: int, width: int) -> torch.Tensor:
    b, c, y, x = np.meshgrid(
        np.arange(batch), np.arange(3), np.arange(height), np.arange(width), indexing="ij"
    )
    values = ((c * 7 + y * 3 + x + b * 5) % 17) / 17.0 - 0.5
    return torch.from_numpy(values.astype(np.float32))


def export_onnx(
    module: torch.nn.Module,
    args: tuple[torch.Tensor, ...],
    input_names: Sequence[str],
    output_names: Sequence[str],
    dynamic_axes: Mapping[str, Mapping[int, str]],
    path: Path,
) -> None:
    """Exports with the TorchScript exporter: it writes one self-contained file with named
    dynamic axes, and needs no onnxscript (the dynamo exporter's output varies by version)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=list(input_names),
            output_names=list(output_names),
            dynamic_axes={k: dict(v) for k, v in dynamic_axes.items()},
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )


def check_onnx(
    path: Path,
    feeds: Mapping[str, np.ndarray],
    reference: Callable[[], Sequence[torch.Tensor]],
    label: str,
) -> float:
    """Runs the exported graph with onnxruntime and fails when any output differs from
    PyTorch by more than MAX_ABS_DIFF. Returns the largest difference seen."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, dict(feeds))
    with torch.no_grad():
        expected = [t.detach().numpy() for t in reference()]
    worst = 0.0
    for got, want in zip(outputs, expected, strict=True):
        if got.shape != want.shape:
            raise SystemExit(f"{label}: onnx shape {got.shape} != torch shape {want.shape}")
        worst = max(worst, float(np.max(np.abs(got - want))))
    print(f"{label}: max abs diff onnxruntime vs torch = {worst:.3e}")
    if worst > MAX_ABS_DIFF:
        raise SystemExit(f"{label}: max abs diff {worst} > {MAX_ABS_DIFF}")
    return worst
