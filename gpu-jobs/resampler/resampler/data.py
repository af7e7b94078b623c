"""
Streams training samples from WebDataset shards with a shuffle buffer and DataLoader workers,
so that the order of batches is a pure function of (seed, workers, ranks, batch size): a job
that resumes at batch N skips N batches of samples (whole epochs without reading them, the rest
of the current epoch read but not decoded) and then sees exactly what an uninterrupted job would
have seen.

Stream i of n (n = ranks × workers) reads every n-th shard of a per-epoch shuffled shard list
(every n-th sample when there are fewer shards than streams), through a shuffle buffer seeded
by (seed, epoch, i). Epochs repeat forever; training is counted in steps. A DataLoader hands
out its workers' batches round-robin, so per-rank batch b is worker b % W's batch b // W.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any, Iterator

import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info
from webdataset.tariterators import group_by_keys, tar_file_iterator

from . import storage
from .manifest import ShardRef
from .preprocess import Example, ImageError, Preprocessor

IMAGE_EXTS = ("jpg", "jpeg", "png", "webp")


class DataError(Exception):
    """An unreadable shard or a sample that is neither a pair nor an interleaved document."""


def read_shard(shard: ShardRef) -> Iterator[dict[str, Any]]:
    """The first `take` samples of a shard as {__key__, ext: bytes}."""
    try:
        with storage.open_read(shard.uri) as stream:
            files = ({**f, "__url__": shard.uri} for f in tar_file_iterator(stream))
            for n, sample in enumerate(group_by_keys(files), start=1):
                yield sample
                if n >= shard.take:
                    return
    except (storage.StorageError, OSError, ValueError, EOFError) as e:
        raise DataError(f"unreadable shard {shard.uri}: {e}") from e
    # tarfile raises its own errors (ReadError, CompressionError): also "unreadable".
    except Exception as e:  # noqa: BLE001
        if type(e).__module__ == "tarfile":
            raise DataError(f"unreadable shard {shard.uri}: {e}") from e
        raise


def _epoch_rng(seed: int, *parts: int) -> random.Random:
    # A string seed is hashed with SHA-512: the same in every process and Python run.
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _epoch_plan(shards: list[ShardRef], seed: int, epoch: int, index: int, count: int) -> tuple[list[ShardRef], bool]:
    """This stream's shards in `epoch`, and whether streams split by shard (else by sample)."""
    order = list(shards)
    _epoch_rng(seed, epoch).shuffle(order)
    by_shard = len(order) >= count
    return (order[index::count] if by_shard else order), by_shard


def epoch_samples(shards: list[ShardRef], seed: int, epoch: int, index: int, count: int) -> int:
    """How many samples stream `index` yields in `epoch`, from the manifest's counts alone."""
    mine, by_shard = _epoch_plan(shards, seed, epoch, index, count)
    total = sum(s.take for s in mine)
    return total if by_shard else len(range(index, total, count))


def raw_stream(
    shards: list[ShardRef], seed: int, buffer: int, index: int, count: int, skip: int = 0
) -> Iterator[dict[str, Any]]:
    """Stream `index` of `count`: undecoded samples, epoch after epoch, after `skip` samples.
    Whole epochs skipped are not read at all (the shuffle buffer drains at each epoch's end,
    so an epoch's order depends on nothing before it); within the epoch it resumes in, the
    skipped samples are read (not decoded) to rebuild the buffer's state."""
    epoch = 0
    while skip and skip >= (size := epoch_samples(shards, seed, epoch, index, count)) > 0:
        skip -= size
        epoch += 1
    while True:
        mine, by_shard = _epoch_plan(shards, seed, epoch, index, count)

        def samples() -> Iterator[dict[str, Any]]:
            n = 0
            for shard in mine:
                for sample in read_shard(shard):
                    if by_shard or n % count == index:
                        yield sample
                    n += 1

        rng = _epoch_rng(seed, epoch, index)
        pool: list[dict[str, Any]] = []
        yielded = 0

        def emit(sample: dict[str, Any]) -> Iterator[dict[str, Any]]:
            nonlocal skip
            if skip:
                skip -= 1
            else:
                yield sample

        for sample in samples():
            pool.append(sample)
            if len(pool) >= buffer:
                # Swap a random element to the end and pop it: O(1) draw from the buffer.
                j = rng.randrange(len(pool))
                pool[j], pool[-1] = pool[-1], pool[j]
                yielded += 1
                yield from emit(pool.pop())
        rng.shuffle(pool)
        yielded += len(pool)
        for sample in pool:
            yield from emit(sample)
        if yielded == 0:
            raise DataError(f"stream {index} of {count} got no samples from {len(mine)} shards")
        epoch += 1


def segments_of(sample: dict[str, Any]) -> list[tuple[str, bytes | str]]:
    """A pair (image + txt) or an interleaved document (json with aligned texts/images lists)."""
    where = f"sample {sample.get('__key__')} of {sample.get('__url__')}"
    doc = None
    if "json" in sample:
        try:
            doc = json.loads(sample["json"])
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise DataError(f"{where}: json part is not JSON: {e}") from e
    if isinstance(doc, dict) and isinstance(doc.get("texts"), list) and isinstance(doc.get("images"), list):
        texts, images = doc["texts"], doc["images"]
        if len(texts) != len(images):
            raise DataError(f"{where}: texts and images must have the same length")
        out: list[tuple[str, bytes | str]] = []
        for position, (text, image) in enumerate(zip(texts, images)):
            if image is not None:
                # vlmflow's layout (lambdas/ops/document.ts): the image at position i is the
                # member `<i>.<ext>` and images[i] is its URL or metadata; a string naming a
                # member of the sample is accepted too.
                member = next((f"{position}.{e}" for e in IMAGE_EXTS if f"{position}.{e}" in sample), None)
                if member is None and isinstance(image, str) and image in sample:
                    member = image
                if member is None:
                    raise DataError(f"{where}: no image part for document position {position} ({image!r})")
                out.append(("image", sample[member]))
            elif isinstance(text, str):
                out.append(("text", text))
        return out
    image_ext = next((e for e in IMAGE_EXTS if e in sample), None)
    if "txt" not in sample:
        raise DataError(f"{where}: neither an image-text pair, a text-only sample nor an interleaved document")
    try:
        caption = sample["txt"].decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{where}: caption is not UTF-8") from e
    if image_ext is None:
        # Text-only instruction data (Idefics2 mixes it in to keep the LM's abilities): the
        # loss is plain next-token loss on the text, with no image slots.
        return [("text", caption)]
    return [("image", sample[image_ext]), ("text", caption)]


@dataclass(frozen=True)
class StreamSpec:
    shards: list[ShardRef]
    seed: int
    shuffle_buffer: int
    batch_size: int
    workers: int
    rank: int = 0
    world_size: int = 1


def skipped_batches(start_batch: int, worker: int, workers: int) -> int:
    """Batches b < start_batch with b % workers == worker: this worker's share of the past."""
    return max(0, (start_batch - worker + workers - 1) // workers)


class TrainingBatches(IterableDataset):
    """Collated batches from this worker's stream, starting after `start_batch` batches."""

    def __init__(self, spec: StreamSpec, preprocessor: Preprocessor, start_batch: int) -> None:
        super().__init__()
        self.spec, self.preprocessor, self.start_batch = spec, preprocessor, start_batch

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        spec = self.spec
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        # A DataLoader always starts its round-robin at worker 0, so after `start_batch`
        # batches worker w plays the part of worker (w + start_batch) % workers.
        worker = (worker + self.start_batch) % workers
        index = spec.rank * workers + worker
        skip = skipped_batches(self.start_batch, worker, workers) * spec.batch_size
        stream = raw_stream(spec.shards, spec.seed, spec.shuffle_buffer, index, spec.world_size * workers, skip)
        while True:
            raw = [next(stream) for _ in range(spec.batch_size)]
            yield self.preprocessor.collate([self._example(s) for s in raw])

    def _example(self, sample: dict[str, Any]) -> Example:
        try:
            return self.preprocessor.example(segments_of(sample))
        except ImageError as e:
            raise DataError(f"sample {sample.get('__key__')} of {sample.get('__url__')}: {e}") from e


def make_loader(spec: StreamSpec, preprocessor: Preprocessor, start_batch: int) -> DataLoader:
    return DataLoader(
        TrainingBatches(spec, preprocessor, start_batch),
        batch_size=None,
        num_workers=spec.workers,
        prefetch_factor=2 if spec.workers > 0 else None,
        persistent_workers=False,
        worker_init_fn=_one_thread,
    )


def _one_thread(_: int) -> None:
    # Workers decode and tokenize; torch ops there are tiny, and W workers × all-cores
    # thread pools oversubscribe the machine the training step needs.
    torch.set_num_threads(1)

