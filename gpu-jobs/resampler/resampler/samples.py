"""
Sample generations for the run report: the exported model's greedy caption of each held-out
image (written as `<out>/samples.json` with a small JPEG of each image under `<out>/samples/`).
"""
from __future__ import annotations

import io
import json
from typing import Any, Iterable

import torch

from . import storage
from .data import segments_of
from .preprocess import caption_prompt, decode_image


def generate_samples(vlm, raw_samples: Iterable[dict[str, Any]], out: str, device, max_new_tokens: int = 24) -> list[dict]:
    processor, model = vlm.processor, vlm.model
    prompt = caption_prompt(processor)
    records = []
    model.eval()
    for n, sample in enumerate(raw_samples):
        segments = segments_of(sample)
        image_bytes = next((p for kind, p in segments if kind == "image"), None)
        if image_bytes is None:
            continue  # a text-only held-out sample has no image to caption
        image = decode_image(image_bytes)
        inputs = processor(text=prompt, images=[image], return_tensors="pt").to(device)
        with torch.no_grad():
            ids = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
        generated = processor.batch_decode(ids[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True)[0]
        thumbnail = image.copy()
        thumbnail.thumbnail((256, 256))
        buffer = io.BytesIO()
        thumbnail.save(buffer, format="JPEG", quality=85)
        name = f"samples/{n:02d}.jpg"
        storage.write_bytes(storage.join(out, name), buffer.getvalue())
        reference = next((p for kind, p in segments if kind == "text"), "")
        records.append({"key": sample.get("__key__"), "image": name, "prompt": prompt, "reference": reference,
                        "generated": generated.strip()})
    storage.write_bytes(storage.join(out, "samples.json"), json.dumps({"samples": records}, indent=2).encode())
    return records
