"""
Training throughput of the connector alone: forward, backward and an AdamW step on random
patch features, at Idefics2 dimensions (SigLIP-so400m: 1152 hidden, 729 patches; Mistral-7B:
4096 hidden, 14336 intermediate; 64 latents, depth 3, 16 heads × 96, 4 KV heads) in bf16
autocast on one GPU. Prints JSON: samples/s and model FLOP utilisation against the card's
dense bf16 peak. On a machine without a GPU it runs tiny dimensions in fp32 as a smoke test
and says so ("gpu": false); those numbers are not a GPU figure.

    python -m resampler.bench [--batch 32] [--steps 20] [--warmup 5] [--compile]
"""
from __future__ import annotations

import argparse
import json
import platform
import time

import torch

from .model import ConnectorDims, build_connector, forward_flops

# Dense (not sparse) bf16 tensor-core peaks from NVIDIA's datasheets, TFLOP/s. Matched in order
# against torch.cuda.get_device_name(), most specific first.
PEAK_BF16_TFLOPS: list[tuple[str, float]] = [
    ("H200", 989.5),
    ("H100 NVL", 835.0),
    ("H100 PCIe", 756.0),
    ("H100", 989.5),  # SXM ("NVIDIA H100 80GB HBM3")
    ("A100", 312.0),
    ("A10G", 125.0),  # A10 datasheet value; AWS's A10G runs at similar tensor clocks
    ("L4", 121.0),
]

IDEFICS2 = {
    "vision_config": {"hidden_size": 1152},
    "text_config": {"hidden_size": 4096, "intermediate_size": 14336, "hidden_act": "silu", "rms_norm_eps": 1e-5},
    "perceiver_config": {"hidden_size": 4096, "rms_norm_eps": 1e-6, "resampler_n_latents": 64, "resampler_depth": 3,
                         "resampler_n_heads": 16, "resampler_head_dim": 96, "num_key_value_heads": 4},
}
IDEFICS2_PATCHES = 729

TINY = {
    "vision_config": {"hidden_size": 32},
    "text_config": {"hidden_size": 64, "intermediate_size": 128, "hidden_act": "silu"},
    "perceiver_config": {"hidden_size": 64, "resampler_n_latents": 8, "resampler_depth": 2,
                         "resampler_n_heads": 4, "resampler_head_dim": 16, "num_key_value_heads": 2},
}
TINY_PATCHES = 49


def peak_tflops(device_name: str) -> float | None:
    return next((peak for key, peak in PEAK_BF16_TFLOPS if key in device_name), None)


def run(batch: int, steps: int, warmup: int, compile_model: bool = False) -> dict:
    gpu = torch.cuda.is_available()
    device = torch.device("cuda" if gpu else "cpu")
    config, patches = (IDEFICS2, IDEFICS2_PATCHES) if gpu else (TINY, TINY_PATCHES)
    torch.manual_seed(0)
    connector = build_connector(config).to(device)
    dims = ConnectorDims.from_config(config)
    optimizer = torch.optim.AdamW(connector.parameters(), lr=1e-4, fused=gpu)
    # torch.compile fuses the elementwise work (SwiGLU, RMSNorm, casts) around the matmuls.
    forward = torch.compile(connector) if compile_model else connector
    features = torch.randn(batch, patches, dims.vision_hidden, device=device)
    mask = torch.ones(batch, patches, dtype=torch.bool, device=device)
    # Stands in for the gradient the frozen LM sends back into the latents.
    upstream = torch.randn(batch, dims.n_latents, dims.text_hidden, device=device)

    def step() -> None:
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=gpu):
            out = forward(features, mask)
        out.float().backward(upstream)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    warmup_start = time.perf_counter()
    for _ in range(warmup):
        step()
    if gpu:
        torch.cuda.synchronize()
    warmup_seconds = time.perf_counter() - warmup_start
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if gpu:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start

    samples_per_s = batch * steps / seconds
    # Training ≈ 3× forward (backward computes grads of activations and of weights).
    train_flops = 3 * forward_flops(dims, patches)
    achieved = samples_per_s * train_flops / 1e12
    name = torch.cuda.get_device_name(0) if gpu else platform.processor() or "cpu"
    peak = peak_tflops(name) if gpu else None
    return {
        "benchmark": "resampler.connector.train_step",
        "gpu": gpu,
        "note": None if gpu else "no GPU: tiny dimensions in fp32 on CPU, a smoke test, not a GPU figure",
        "device": name,
        "dtype": "bf16-autocast" if gpu else "fp32",
        "compiled": compile_model,
        "warmup_seconds": round(warmup_seconds, 2),
        "dims": {"vision_hidden": dims.vision_hidden, "patches": patches, "text_hidden": dims.text_hidden,
                 "text_intermediate": dims.text_intermediate, "latents": dims.n_latents, "depth": dims.depth,
                 "heads": dims.n_heads, "head_dim": dims.head_dim, "kv_heads": dims.n_kv_heads},
        "parameters": sum(p.numel() for p in connector.parameters()),
        "batch": batch,
        "steps": steps,
        "seconds": round(seconds, 4),
        "samples_per_second": round(samples_per_s, 2),
        "train_flops_per_sample": train_flops,
        "achieved_tflops": round(achieved, 3),
        "peak_bf16_tflops": peak,
        "mfu": round(achieved / peak, 4) if peak else None,
        "torch": torch.__version__,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m resampler.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=None, help="images per step (default 32 on GPU, 4 on CPU)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default 20 on GPU, 3 on CPU)")
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--compile", action="store_true", help="torch.compile the connector (as train's compile option)")
    args = parser.parse_args(argv)
    gpu = torch.cuda.is_available()
    result = run(
        args.batch or (32 if gpu else 4),
        args.steps or (20 if gpu else 3),
        args.warmup if args.warmup is not None else (5 if gpu else 1),
        args.compile,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
