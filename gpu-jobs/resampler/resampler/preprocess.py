"""
A sample's segments (images and texts, in document order) → model inputs, with transformers'
`Idefics2Processor`: its image processor (aspect-keeping resize between the shortest and
longest edge, optional splitting into 4 crops + the whole image, padding with a pixel mask)
and its text layout (`<fake_token_around_image><image>×latents<fake_token_around_image>` per
image or crop). An image-text pair is a chat turn, "User:<image>{prompt}<end_of_utterance>\\n
Assistant: {caption}<end_of_utterance>\\n", with the loss on the answer; an interleaved document
or a text-only sample is plain text with the loss on every text token.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch

from .vlm import END_OF_UTTERANCE, FAKE_IMAGE_TOKEN, IMAGE_TOKEN

IGNORE = -100
CAPTION_PROMPT = "Describe this image."


class ImageError(Exception):
    """An image part that cannot be decoded."""


@dataclass
class Example:
    ids: list[int]
    labels: list[int]
    pixel_values: np.ndarray | None  # [images, 3, H, W], padded within the sample
    pixel_mask: np.ndarray | None  # [images, H, W], 1 = real pixel


def decode_image(data: bytes):
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data))
        return image.convert("RGB")
    except Exception as e:  # noqa: BLE001 - PIL raises several unrelated types
        raise ImageError(f"cannot decode image: {e}") from e


def caption_prompt(processor, prompt: str = CAPTION_PROMPT) -> str:
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
    return processor.apply_chat_template(messages, add_generation_prompt=True)


class Preprocessor:
    """Picklable (it runs in DataLoader workers): an Idefics2Processor and a length limit."""

    def __init__(self, processor, max_seq_len: int) -> None:
        self.processor = processor
        self.max_seq_len = max_seq_len
        tok = processor.tokenizer
        self.image_id = tok.convert_tokens_to_ids(IMAGE_TOKEN)
        self.fake_id = tok.convert_tokens_to_ids(FAKE_IMAGE_TOKEN)
        self.pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        # Longest first, so that no shorter special token is replaced inside a longer one.
        self.specials = sorted({str(t) for t in tok.all_special_tokens} | {IMAGE_TOKEN, FAKE_IMAGE_TOKEN,
                                                                            END_OF_UTTERANCE}, key=len, reverse=True)
        self.tiles_per_image = 5 if processor.image_processor.do_image_splitting else 1
        self.prompt = caption_prompt(processor)

    def plain(self, text: str) -> str:
        """Data text with the tokenizer's special tokens defused (a zero-width space after the
        "<"): an alt text that says "<image>" must not become an image slot, nor "</s>" an end."""
        for token in self.specials:
            if token in text:
                text = text.replace(token, token[0] + "\u200b" + token[1:])
        return text

    def example(self, segments: list[tuple[str, bytes | str]]) -> Example:
        images = [decode_image(p) for kind, p in segments if kind == "image"]  # type: ignore[arg-type]
        segments = [(kind, self.plain(p) if kind == "text" else p) for kind, p in segments]  # type: ignore[arg-type]
        tok = self.processor.tokenizer
        if len(segments) == 2 and segments[0][0] == "image" and segments[1][0] == "text":
            prompt = self._encode(self.prompt, images)
            answer = tok(f" {segments[1][1]}{END_OF_UTTERANCE}\n", add_special_tokens=False)["input_ids"]
            ids = prompt["input_ids"][0].tolist() + answer
            labels = [IGNORE] * (len(ids) - len(answer)) + answer
        else:
            text = "".join(IMAGE_TOKEN if kind == "image" else str(p) for kind, p in segments)
            encoded = self._encode(text, images) if images else tok(text, return_tensors="np")
            ids = encoded["input_ids"][0].tolist() + [tok.eos_token_id]
            special = {self.image_id, self.fake_id, tok.bos_token_id}
            labels = [IGNORE if t in special else t for t in ids]
            prompt = encoded
        ids, labels, kept = self._truncate(ids, labels)
        if not kept:
            return Example(ids, labels, None, None)
        tiles = kept * self.tiles_per_image
        return Example(ids, labels, prompt["pixel_values"][0][:tiles], prompt["pixel_attention_mask"][0][:tiles])

    def _encode(self, text: str, images: list) -> dict:
        return self.processor(text=text, images=[images], return_tensors="np")

    def _truncate(self, ids: list[int], labels: list[int]) -> tuple[list[int], list[int], int]:
        """At most max_seq_len tokens, never half an image: an image whose tokens the limit
        cuts is dropped with everything after it. Returns the number of images kept."""
        per_image = self.tiles_per_image * self.processor.image_seq_len
        positions = [i for i, t in enumerate(ids) if t == self.image_id]
        firsts = positions[::per_image]  # each image's first <image> token
        cut = min(len(ids), self.max_seq_len)
        kept = sum(1 for k in range(len(firsts)) if positions[(k + 1) * per_image - 1] < cut)
        if kept < len(firsts):
            cut = min(cut, firsts[kept])
        return ids[:cut], labels[:cut], kept

    def collate(self, examples: list[Example]) -> dict[str, torch.Tensor]:
        """Right-padded tokens; images padded to the batch's most images and largest H×W
        with zeros (a pixel mask of 0), as Idefics2ImageProcessor pads a batch."""
        length = max(len(e.ids) for e in examples)
        batch = len(examples)
        ids = torch.full((batch, length), self.pad_id, dtype=torch.long)
        labels = torch.full((batch, length), IGNORE, dtype=torch.long)
        attention = torch.zeros((batch, length), dtype=torch.long)
        for i, e in enumerate(examples):
            n = len(e.ids)
            ids[i, :n], labels[i, :n], attention[i, :n] = torch.tensor(e.ids), torch.tensor(e.labels), 1
        out = {"input_ids": ids, "labels": labels, "attention_mask": attention}
        with_images = [e for e in examples if e.pixel_values is not None]
        if with_images:
            count = max(e.pixel_values.shape[0] for e in with_images)
            height = max(e.pixel_values.shape[2] for e in with_images)
            width = max(e.pixel_values.shape[3] for e in with_images)
            channels = with_images[0].pixel_values.shape[1]
            pixels = torch.zeros((batch, count, channels, height, width), dtype=torch.float32)
            mask = torch.zeros((batch, count, height, width), dtype=torch.long)
            for i, e in enumerate(examples):
                if e.pixel_values is not None:
                    n, _, h, w = e.pixel_values.shape
                    pixels[i, :n, :, :h, :w] = torch.from_numpy(e.pixel_values)
                    mask[i, :n, :h, :w] = torch.from_numpy(e.pixel_mask)
            out["pixel_values"], out["pixel_attention_mask"] = pixels, mask
        return out
