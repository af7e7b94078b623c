"""
Trains the connector between a frozen vision encoder and a frozen causal LM on the shards of a
dataset manifest: `python -m resampler.train --manifest <uri> --out <uri> [--config <json>]`,
the command the compiled Batch task runs. With several GPUs it relaunches itself under
torchrun (DDP); a rerun with the same --out resumes from the last checkpoint and continues
exactly as the uninterrupted run would have.

Exit codes: 0 done, 2 bad input (config, manifest, shard, model), 1 anything else.
With --failure-log <uri>, a failed run writes its last output lines there (resampler/failure_log.py).
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
from safetensors.torch import save

from . import storage
from .checkpoint import ResumeError, connector_tensors, load_latest, save_checkpoint
from .config import TOWER_KEYS, ConfigError, TrainConfig, parse_config
from .data import DataError, StreamSpec, make_loader, read_shard
from .export import model_card, write_export
from .failure_log import run_keeping_tail
from .launch import relaunch_command
from .manifest import ManifestError, describe_manifest, load_manifest, split_heldout
from .model_folders import default_cache_root
from .preprocess import Preprocessor
from .samples import generate_samples
from .vlm import ModelError, Vlm, VlmSpec, build_vlm

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


def vlm_spec(config: TrainConfig) -> VlmSpec:
    return VlmSpec(config.vision_model, config.text_model, config.perceiver(), config.image_shortest_edge,
                   config.image_longest_edge, config.image_splitting)


def check_towers(vlm: Vlm, config: TrainConfig) -> None:
    """An Idefics2Config given as --config must describe the towers the checkpoints hold."""
    actual = {"vision_config": vlm.model.config.vision_config.to_dict(),
              "text_config": vlm.model.config.text_config.to_dict()}
    for tower in TOWER_KEYS:
        given = getattr(config, tower)
        wrong = [f"{k}={given[k]!r} (checkpoint: {actual[tower].get(k)!r})" for k in given
                 if given[k] != actual[tower].get(k)]
        if wrong:
            raise ConfigError(f"config.{tower} does not match the {tower.split('_')[0]} checkpoint: {', '.join(wrong)}")


def _ddp(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    from torch.nn.parallel import DistributedDataParallel

    # Only the connector is synchronised: the frozen towers are identical on every rank, and
    # broadcasting a 7B LM at start-up would cost minutes on a multi-node job.
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    frozen += [n for n, _ in model.named_buffers()]
    DistributedDataParallel._set_params_and_buffers_to_ignore_for_model(model, frozen)
    # A text-only micro-batch leaves the connector out of the graph: find_unused_parameters.
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None,
                                   find_unused_parameters=True)


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

    shards, heldout_shard, heldout_start = split_heldout(load_manifest(manifest_uri), config.heldout_samples)
    torch.manual_seed(config.seed)
    vlm = build_vlm(vlm_spec(config), default_cache_root())
    check_towers(vlm, config)
    model = vlm.model.to(device)
    if config.gradient_checkpointing:
        model.model.text_model.activation_checkpointing_enable({"use_reentrant": False})
    model.train()  # checkpointing runs in training mode; the towers have no dropout to switch
    connector = vlm.connector
    if config.compile and on_gpu:
        connector.compile()  # in place: checkpoints keep the connector's own key names
    step_model = _ddp(model, device) if distributed else model
    optimizer = torch.optim.AdamW(connector.parameters(), lr=config.lr, betas=(0.9, 0.95),
                                  weight_decay=config.weight_decay, fused=on_gpu)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(config))

    config_json = config.to_json()
    resumed = load_latest(out, connector, optimizer, scheduler, config_json, device)
    step = resumed.step if resumed else 0
    losses = resumed.losses if resumed else []
    lrs = resumed.lrs if resumed else []
    if resumed:
        _log(rank, f"resuming from step {step}")

    preprocessor = Preprocessor(vlm.processor, config.max_seq_len)
    spec = StreamSpec(shards, config.seed, config.shuffle_buffer, config.batch_size, config.num_workers, rank, world)
    batches = iter(make_loader(spec, preprocessor, start_batch=step * config.grad_accum))
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if on_gpu else contextlib.nullcontext()
    started, first_step = time.perf_counter(), step

    while step < config.steps:
        total = torch.zeros((), device=device)
        for micro in range(config.grad_accum):
            batch = {k: v.to(device, non_blocking=True) for k, v in next(batches).items()}
            sync = micro == config.grad_accum - 1 or not distributed
            with (contextlib.nullcontext() if sync else step_model.no_sync()), autocast:
                loss = step_model(**batch, use_cache=False).loss / config.grad_accum
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
            save_checkpoint(out, step, connector, optimizer, scheduler, losses, lrs, config_json,
                            config.keep_checkpoints)
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
        "samples_per_step": config.batch_size * config.grad_accum * world,
        "samples_per_second": samples / elapsed if samples and elapsed > 0 else None,
        "resumed_from": resumed.step if resumed else None,
        "world_size": world,
        "device": str(device),
    }
    if rank == 0:
        card = model_card(vlm, describe_manifest(manifest_uri), metrics, json.loads(config_json))
        metrics["export"] = write_export(vlm, out, card)
        # The connector alone too, in transformers' Idefics2Connector key names.
        storage.write_bytes(storage.join(out, "connector.safetensors"), save(connector_tensors(connector)))
        held = []
        if heldout_shard is not None:
            held = [s for i, s in enumerate(read_shard(heldout_shard)) if i >= heldout_start]
        metrics["samples"] = len(generate_samples(vlm, held, out, device))
        storage.write_bytes(storage.join(out, "train_config.json"), config_json.encode())
        storage.write_bytes(storage.join(out, "metrics.json"), json.dumps(metrics, indent=2).encode())
    if distributed:
        dist.barrier()
        dist.destroy_process_group()
    return metrics


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
    parser.add_argument("--failure-log", default=None,
                        help="URI where a failed run writes its last output lines (resampler/failure_log.py)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.failure_log is None or "LOCAL_RANK" in os.environ:  # torchrun's workers: their launcher writes it
        return _run(args)
    return run_keeping_tail(lambda: _run(args), args.failure_log)


def _run(args: argparse.Namespace) -> int:
    try:
        config = parse_config(args.config)
        command = relaunch_command(torch.cuda.device_count(), os.environ, sys.argv[1:])
        if command is not None:
            return subprocess.call(command)
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
