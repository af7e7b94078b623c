"""
Throughput of the whole training step at Idefics2 dimensions on one GPU: the frozen vision tower
forward (SigLIP-so400m-like: 1152 hidden, 27 layers, 729 patches per 378 px image), the
connector forward and backward (64 latents, depth 3, 16 heads × 96, 4 KV heads), the frozen LM
forward and backward into the image latents (Mistral-7B-like: 4096 hidden, 32 layers, 32 heads,
8 KV heads), and AdamW on the connector. Random weights, bf16 towers, bf16 autocast, gradient
checkpointing on the LM, SDPA attention (flash kernels on GPU), optionally torch.compile.

MFU counts the step's model FLOPs (no recomputation) with PyTorch's FlopCounterMode on one
sample without checkpointing, times the batch, over the card's dense bf16 peak. Prints JSON.
Without a GPU it runs tiny dimensions in fp32 as a smoke test and says so ("gpu": false).

    python -m resampler.bench [--batch 8] [--steps 10] [--warmup 3] [--text-tokens 192] [--compile]
"""
from __future__ import annotations

import argparse
import json
import platform
import time

import torch

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

PERCEIVER = {"resampler_n_latents": 64, "resampler_depth": 3, "resampler_n_heads": 16, "resampler_head_dim": 96,
             "num_key_value_heads": 4}
IDEFICS2 = {
    "vision_config": {"hidden_size": 1152, "intermediate_size": 4304, "num_hidden_layers": 27,
                      "num_attention_heads": 16, "image_size": 378, "patch_size": 14},
    "text_config": {"model_type": "mistral", "hidden_size": 4096, "intermediate_size": 14336,
                    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
                    "vocab_size": 32003, "rms_norm_eps": 1e-5, "max_position_embeddings": 4096},
    "perceiver_config": {"hidden_size": 4096, "rms_norm_eps": 1e-5, **PERCEIVER},
    "image_size": 378,
}
TINY = {
    "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                      "image_size": 32, "patch_size": 8},
    "text_config": {"model_type": "mistral", "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
                    "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 323, "rms_norm_eps": 1e-5},
    "perceiver_config": {"hidden_size": 48, "rms_norm_eps": 1e-5, "resampler_n_latents": 8, "resampler_depth": 2,
                         "resampler_n_heads": 4, "resampler_head_dim": 8, "num_key_value_heads": 2},
    "image_size": 32,
}


def peak_tflops(device_name: str) -> float | None:
    return next((peak for key, peak in PEAK_BF16_TFLOPS if key in device_name), None)


def build(dims: dict, device: torch.device, gpu: bool):
    from transformers import Idefics2Config, Idefics2ForConditionalGeneration

    from .vlm import reset_connector

    config = Idefics2Config(vision_config=dims["vision_config"], text_config=dims["text_config"],
                            perceiver_config=dims["perceiver_config"], image_token_id=dims["text_config"]["vocab_size"] - 2)
    with torch.device(device):  # built in place, in the towers' dtype: no fp32 copy of 7B on the way
        model = Idefics2ForConditionalGeneration._from_config(config, dtype=torch.bfloat16 if gpu else torch.float32)
    model.model.connector.float()  # the trained part keeps fp32 master weights, as in train.py
    reset_connector(model.model.connector, config.text_config.hidden_size)
    for name, p in model.named_parameters():
        p.requires_grad_(name.startswith("model.connector."))
    return model.train()


def batch_of(dims: dict, model, batch: int, text_tokens: int, device: torch.device) -> dict[str, torch.Tensor]:
    """One 378 px image and `text_tokens` caption tokens per sample, in the processor's layout."""
    config = model.config
    latents = config.perceiver_config.resampler_n_latents
    fake, image = config.image_token_id - 1, config.image_token_id
    size = dims["image_size"]
    generator = torch.Generator().manual_seed(0)
    text = torch.randint(3, fake, (batch, text_tokens), generator=generator)
    ids = torch.cat([torch.full((batch, 1), 1), torch.full((batch, 1), fake), torch.full((batch, latents), image),
                     torch.full((batch, 1), fake), text], dim=1)
    labels = ids.clone()
    labels[:, : latents + 3] = -100
    return {
        "input_ids": ids.to(device), "labels": labels.to(device), "attention_mask": torch.ones_like(ids).to(device),
        "pixel_values": torch.randn(batch, 1, 3, size, size, generator=generator).to(device),
        "pixel_attention_mask": torch.ones(batch, 1, size, size, dtype=torch.long).to(device),
    }


def step_flops(model, dims: dict, text_tokens: int, device: torch.device, autocast) -> int:
    """Model FLOPs of one sample's step (forward + the backward the frozen towers need)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        with autocast():
            loss = model(**batch_of(dims, model, 1, text_tokens, device), use_cache=False).loss
        loss.backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def run(batch: int, steps: int, warmup: int, text_tokens: int, compile_model: bool = False,
        checkpointing: bool = True) -> dict:
    gpu = torch.cuda.is_available()
    device = torch.device("cuda" if gpu else "cpu")
    dims = IDEFICS2 if gpu else TINY
    torch.manual_seed(0)
    model = build(dims, device, gpu)

    def autocast():
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=gpu)

    flops_per_sample = step_flops(model, dims, text_tokens, device, autocast)
    if checkpointing:
        model.model.text_model.activation_checkpointing_enable({"use_reentrant": False})
    if compile_model:
        model.model.connector.compile()
        model.model.vision_model.compile()
        for layer in model.model.text_model.layers:
            layer.compile()
    optimizer = torch.optim.AdamW(model.model.connector.parameters(), lr=1e-4, fused=gpu)
    inputs = batch_of(dims, model, batch, text_tokens, device)

    def step() -> None:
        with autocast():
            loss = model(**inputs, use_cache=False).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    warmup_start = time.perf_counter()
    for _ in range(warmup):
        step()
    if gpu:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    warmup_seconds = time.perf_counter() - warmup_start
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if gpu:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start

    samples_per_s = batch * steps / seconds
    achieved = samples_per_s * flops_per_sample / 1e12
    name = torch.cuda.get_device_name(0) if gpu else platform.processor() or "cpu"
    peak = peak_tflops(name) if gpu else None
    return {
        "benchmark": "resampler.whole_train_step",
        "gpu": gpu,
        "note": None if gpu else "no GPU: tiny dimensions in fp32 on CPU, a smoke test, not a GPU figure",
        "device": name,
        "dtype": "bf16 towers, bf16 autocast" if gpu else "fp32",
        "attention": model.config._attn_implementation,
        "gradient_checkpointing": checkpointing,
        "compiled": compile_model,
        "warmup_seconds": round(warmup_seconds, 2),
        "dims": {k: dims[k] for k in ("vision_config", "text_config", "perceiver_config", "image_size")},
        "sequence_tokens": int(inputs["input_ids"].shape[1]),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "parameters": sum(p.numel() for p in model.parameters()),
        "batch": batch,
        "steps": steps,
        "seconds": round(seconds, 4),
        "samples_per_second": round(samples_per_s, 2),
        "train_flops_per_sample": flops_per_sample,
        "achieved_tflops": round(achieved, 3),
        "peak_bf16_tflops": peak,
        "mfu": round(achieved / peak, 4) if peak else None,
        "peak_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if gpu else None,
        "torch": torch.__version__,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m resampler.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=None, help="samples per step (default 8 on GPU, 2 on CPU)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default 10 on GPU, 2 on CPU)")
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--text-tokens", type=int, default=192, help="caption tokens per sample after the image")
    parser.add_argument("--compile", action="store_true", help="torch.compile connector, vision tower and LM layers")
    parser.add_argument("--no-checkpointing", action="store_true", help="keep the LM's activations")
    args = parser.parse_args(argv)
    gpu = torch.cuda.is_available()
    result = run(
        args.batch or (8 if gpu else 2),
        args.steps or (10 if gpu else 2),
        args.warmup if args.warmup is not None else (3 if gpu else 1),
        args.text_tokens,
        args.compile,
        not args.no_checkpointing,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
