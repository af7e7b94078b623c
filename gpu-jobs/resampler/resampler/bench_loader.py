"""
Samples/s of one data-loader worker on CPU: raw tar samples → Idefics2Processor (decode, resize
to 378 / 980, optional splitting, normalise, tokenize the chat turn) → collated batch, the work
each DataLoader worker does. Baseline in the same run: the JPEG decode alone. Prints JSON; the
training job needs workers ≥ the GPU's samples/s ÷ this figure.

    python -m resampler.bench_loader [--images 64] [--size 1024x768] [--batch 8]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def photo_like_jpeg(rng: np.random.Generator, width: int, height: int) -> bytes:
    from PIL import Image

    # Smooth gradients plus noise: compresses and decodes like a photo, unlike a flat colour.
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(x * rng.uniform(0.1, 0.3) + y * rng.uniform(0.1, 0.3)) % 256 for _ in range(3)], axis=-1)
    pixels = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def run(images: int, width: int, height: int, batch: int, split: bool) -> dict:
    from PIL import Image

    from .data import StreamSpec, TrainingBatches
    from .manifest import ShardRef
    from .preprocess import Preprocessor
    from .tiny_models import make_tokenizer
    from .vlm import VlmSpec, make_processor

    torch.set_num_threads(1)  # as in a DataLoader worker (data._one_thread)
    rng = np.random.default_rng(0)
    jpegs = [photo_like_jpeg(rng, width, height) for _ in range(images)]
    with tempfile.TemporaryDirectory() as tmp:
        import tarfile

        shard = Path(tmp) / "bench.tar"
        with tarfile.open(shard, "w") as tar:
            for i, data in enumerate(jpegs):
                for name, payload in ((f"{i:05d}.jpg", data), (f"{i:05d}.txt", b"a photo of a mountain lake at dawn")):
                    info = tarfile.TarInfo(name)
                    info.size = len(payload)
                    tar.addfile(info, io.BytesIO(payload))
        spec = VlmSpec("", "", {"resampler_n_latents": 64}, 378, 980, split)
        processor = make_processor(make_tokenizer(), spec, [0.5] * 3, [0.5] * 3)
        stream = TrainingBatches(StreamSpec([ShardRef(shard.as_uri(), images)], 0, 16, batch, 1),
                                 Preprocessor(processor, 4096), start_batch=0)
        batches = images // batch
        iterator = iter(stream)
        next(iterator)  # warm-up: imports, first shard open
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(batches):
            next(iterator)
        loader_seconds, loader_cpu = time.perf_counter() - start, time.process_time() - cpu

    start, cpu = time.perf_counter(), time.process_time()
    for data in jpegs[: batches * batch]:
        Image.open(io.BytesIO(data)).convert("RGB")
    decode_seconds, decode_cpu = time.perf_counter() - start, time.process_time() - cpu
    samples = batches * batch
    loader_rate, decode_rate = samples / loader_seconds, samples / decode_seconds
    return {
        "benchmark": "resampler.data_loader_worker",
        "image": f"{width}x{height} JPEG q90",
        "image_splitting": split,
        "batch": batch,
        "samples": samples,
        "samples_per_second_per_worker": round(loader_rate, 2),
        # Per CPU-second: the steadier figure on a shared machine (a worker is one thread).
        "samples_per_cpu_second": round(samples / loader_cpu, 2),
        "jpeg_decode_only_per_second": round(decode_rate, 2),
        "jpeg_decode_only_per_cpu_second": round(samples / decode_cpu, 2),
        "ratio_loader_to_decode": round(loader_rate / decode_rate, 3),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpu": platform.processor() or platform.machine(),
        "torch": torch.__version__,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m resampler.bench_loader", description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--size", default="1024x768", help="WIDTHxHEIGHT of the generated JPEGs")
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    for split in (False, True):
        print(json.dumps(run(args.images, width, height, args.batch, split)))


if __name__ == "__main__":
    main()
