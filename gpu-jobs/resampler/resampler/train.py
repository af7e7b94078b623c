"""
Trains the connector between a frozen vision encoder and a frozen causal LM on the shards of a
dataset manifest: `python -m resampler.train --manifest <uri> --out <uri> [--config <json>]`,
the command the compiled Batch task runs. With several GPUs it relaunches itself under
torchrun (DDP); a rerun with the same --out resumes from the last checkpoint and continues
exactly as the uninterrupted run would have.

Exit codes: 0 done, 2 bad input (config, manifest, shard, model), 1 anything else.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import time
from typing import Callable

import torch
import torch.distributed as dist

from . import storage
from .checkpoint import ResumeError, load_latest, save_checkpoint, weights_bytes
from .config import ConfigError, TrainConfig, parse_config
from .data import DataError, StreamSpec, make_loader
from .frozen import ModelError, caption_loss, load_frozen
from .manifest import ManifestError, load_manifest
from .model import build_connector
from .preprocess import Preprocessor

INPUT_ERRORS = (ConfigError, ManifestError, DataError, ModelError, ResumeError, storage.StorageError)


def warmup_cosine(config: TrainConfig) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        span = max(1, config.steps - config.warmup_steps)
        progress = min(1.0, (step - config.warmup_steps) / span)
        return config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def _log(rank: int, message: str) -> None:
    if rank == 0:
        print(message, flush=True)


def train(
    manifest_uri: str,
    out_uri: str,
    config: TrainConfig,
    on_step: Callable[[int, float], None] | None = None,
) -> dict:
    """Runs (or resumes) training; returns the metrics written to <out>/metrics.json."""
    distributed = "LOCAL_RANK" in os.environ
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    if torch.cuda.is_available():
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        if local_rank >= torch.cuda.device_count():
            raise ConfigError(
                f"process of local rank {local_rank} has no GPU: this machine has {torch.cuda.device_count()}; "
                "start at most that many processes per node (torchrun --nproc_per_node)"
            )
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    on_gpu = device.type == "cuda"
    out = storage.resolve(out_uri)

    shards = load_manifest(manifest_uri)
    frozen = load_frozen(config.vision_model, config.text_model, device, torch.bfloat16 if on_gpu else torch.float32)
    connector_config = frozen.connector_config(config.perceiver())
    torch.manual_seed(config.seed)
    connector = build_connector(connector_config).to(device)
    model = torch.nn.parallel.DistributedDataParallel(connector, device_ids=[device.index] if on_gpu else None) if distributed else connector
    if config.compile and on_gpu:
        model = torch.compile(model)  # checkpoints keep using `connector`'s own key names
    optimizer = torch.optim.AdamW(connector.parameters(), lr=config.lr, betas=(0.9, 0.95), weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(config))

    config_json = config.to_json()
    resumed = load_latest(out, connector, optimizer, scheduler, config_json, device)
    step = resumed.step if resumed else 0
    losses = resumed.losses if resumed else []
    lrs = resumed.lrs if resumed else []
    if resumed:
        _log(rank, f"resuming from step {step}")

    preprocessor = Preprocessor(
        frozen.tokenizer, frozen.image_size, frozen.image_mean, frozen.image_std,
        config.resampler_n_latents, config.image_splitting, config.max_seq_len,
    )
    spec = StreamSpec(shards, config.seed, config.shuffle_buffer, config.batch_size, config.num_workers, rank, world)
    batches = iter(make_loader(spec, preprocessor, start_batch=step * config.grad_accum))
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if on_gpu else contextlib.nullcontext()
    started, first_step = time.perf_counter(), step

    connector.train()
    while step < config.steps:
        total = torch.zeros((), device=device)
        for micro in range(config.grad_accum):
            batch = {k: v.to(device, non_blocking=True) for k, v in next(batches).items()}
            sync = micro == config.grad_accum - 1 or not distributed
            with (contextlib.nullcontext() if sync else model.no_sync()), autocast:
                loss = caption_loss(frozen, model, batch) / config.grad_accum
            loss.backward()
            total += loss.detach()
        torch.nn.utils.clip_grad_norm_(connector.parameters(), config.max_grad_norm)
        lrs.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        if distributed:
            dist.all_reduce(total, op=dist.ReduceOp.AVG)
        step += 1
        losses.append(total.item())
        _log(rank, f"step {step}/{config.steps} loss {losses[-1]:.4f} lr {lrs[-1]:.3g}")
        if rank == 0 and (step % config.checkpoint_every == 0 or step == config.steps):
            save_checkpoint(out, step, connector, optimizer, scheduler, losses, lrs, config_json)
        if distributed:
            dist.barrier()
        if on_step:
            on_step(step, losses[-1])

    elapsed = time.perf_counter() - started
    samples = (step - first_step) * config.batch_size * config.grad_accum * world
    metrics = {
        "steps": step,
        "loss": losses,
        "lr": lrs,
        "samples_per_second": samples / elapsed if samples and elapsed > 0 else None,
        "resumed_from": resumed.step if resumed else None,
        "world_size": world,
        "device": str(device),
    }
    if rank == 0:
        storage.write_bytes(storage.join(out, "connector.safetensors"), weights_bytes(connector))
        storage.write_bytes(storage.join(out, "config.json"), json.dumps(connector_config, indent=2).encode())
        storage.write_bytes(storage.join(out, "train_config.json"), config_json.encode())
        storage.write_bytes(storage.join(out, "metrics.json"), json.dumps(metrics, indent=2).encode())
    if distributed:
        dist.destroy_process_group()
    return metrics


def _relaunch_under_torchrun(gpus: int) -> int:
    """One process per GPU (DDP); the Batch command stays `python -m resampler.train …`."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={gpus}",
               "-m", "resampler.train", *sys.argv[1:]]
    return subprocess.call(command)


def _message(error: Exception) -> str:
    """The error's own message; a DataLoader worker's re-raise wraps it in a traceback."""
    text = str(error)
    if "Original Traceback" in text:
        last = [line for line in text.splitlines() if line.strip()][-1]
        return last.split(": ", 1)[-1]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resampler.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", required=True, help="dataset or mixture manifest URI")
    parser.add_argument("--out", required=True, help="output folder URI (checkpoints, weights, metrics)")
    parser.add_argument("--config", default=None, help="training configuration as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        config = parse_config(args.config)
        gpus = torch.cuda.device_count()
        if gpus > 1 and "LOCAL_RANK" not in os.environ:
            return _relaunch_under_torchrun(gpus)
        metrics = train(args.manifest, args.out, config)
    except INPUT_ERRORS as e:
        print(f"error: {_message(e)}", file=sys.stderr)
        return 2
    last = metrics["loss"][-1] if metrics["loss"] else float("nan")
    if os.environ.get("RANK", "0") == "0":
            print(f"done: {metrics['steps']} steps, final loss {last:.4f}, outputs in {storage.resolve(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
