"""
Turns a sample's segments (images and texts, in document order) into model inputs: pixel
tiles for the frozen vision encoder and a token sequence with one slot per latent of each
tile, where the connector's outputs go. Loss is on text tokens only.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch

IGNORE = -100


class ImageError(Exception):
    """An image part that cannot be decoded."""


@dataclass
class Example:
    tiles: list[torch.Tensor]
    ids: list[int]
    labels: list[int]
    image_slots: list[bool]


class Preprocessor:
    """Picklable (it runs in DataLoader workers): a tokenizer and a few sizes."""

    def __init__(
        self,
        tokenizer,
        image_size: int,
        image_mean: list[float],
        image_std: list[float],
        n_latents: int,
        split_images: bool,
        max_seq_len: int,
    ) -> None:
        self.tokenizer = tokenizer
        self.image_size = image_size
        self.mean = torch.tensor(image_mean).view(3, 1, 1)
        self.std = torch.tensor(image_std).view(3, 1, 1)
        self.n_latents = n_latents
        self.split_images = split_images
        self.max_seq_len = max_seq_len
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def tiles(self, data: bytes) -> list[torch.Tensor]:
        """The whole image, or with splitting 4 quadrant crops then the whole (Idefics2)."""
        from PIL import Image

        try:
            image = Image.open(io.BytesIO(data))
            image = image.convert("RGB")
        except Exception as e:  # noqa: BLE001 - PIL raises several unrelated types
            raise ImageError(f"cannot decode image: {e}") from e
        crops = []
        if self.split_images:
            w, h = image.size
            crops = [image.crop(box) for box in (
                (0, 0, w // 2, h // 2), (w // 2, 0, w, h // 2),
                (0, h // 2, w // 2, h), (w // 2, h // 2, w, h),
            )]
        return [self._tensor(c) for c in [*crops, image]]

    def _tensor(self, image) -> torch.Tensor:
        from PIL import Image

        resized = image.resize((self.image_size, self.image_size), Image.Resampling.BICUBIC)
        pixels = torch.from_numpy(np.asarray(resized, dtype=np.float32) / 255.0).permute(2, 0, 1)
        return (pixels - self.mean) / self.std

    def example(self, segments: list[tuple[str, bytes | str]]) -> Example:
        tok = self.tokenizer
        ex = Example([], [], [], [])

        def add(ids: list[int], learn: bool, image: bool) -> None:
            ex.ids.extend(ids)
            ex.labels.extend(ids if learn else [IGNORE] * len(ids))
            ex.image_slots.extend([image] * len(ids))

        if tok.bos_token_id is not None:
            add([tok.bos_token_id], learn=False, image=False)
        for kind, payload in segments:
            room = self.max_seq_len - len(ex.ids) - 1  # keep a place for the end token
            if kind == "image":
                tiles = self.tiles(payload)  # type: ignore[arg-type]
                if len(tiles) * self.n_latents > room:
                    break  # never cut an image's slots in half
                ex.tiles.extend(tiles)
                add([self.pad_id] * len(tiles) * self.n_latents, learn=False, image=True)
            else:
                ids = tok(payload, add_special_tokens=False)["input_ids"][: max(room, 0)]
                add(ids, learn=True, image=False)
        if tok.eos_token_id is not None:
            add([tok.eos_token_id], learn=True, image=False)
        return ex

    def collate(self, examples: list[Example]) -> dict[str, torch.Tensor]:
        length = max(len(e.ids) for e in examples)
        batch = len(examples)
        ids = torch.full((batch, length), self.pad_id, dtype=torch.long)
        labels = torch.full((batch, length), IGNORE, dtype=torch.long)
        attention = torch.zeros((batch, length), dtype=torch.long)
        image_mask = torch.zeros((batch, length), dtype=torch.bool)
        for i, e in enumerate(examples):
            n = len(e.ids)
            ids[i, :n] = torch.tensor(e.ids)
            labels[i, :n] = torch.tensor(e.labels)
            attention[i, :n] = 1
            image_mask[i, :n] = torch.tensor(e.image_slots)
        tiles = [t for e in examples for t in e.tiles]
        pixels = (
            torch.stack(tiles)
            if tiles
            else torch.zeros((0, 3, self.image_size, self.image_size))
        )
        return {
            "pixel_values": pixels,
            "input_ids": ids,
            "labels": labels,
            "attention_mask": attention,
            "image_mask": image_mask,
        }
