"""
The folder a run hands on, `<out>/export/`: `Idefics2ForConditionalGeneration.save_pretrained`
(the vision tower and LM as loaded from their checkpoints, the connector as trained, each tensor
in its own dtype), `Idefics2Processor.save_pretrained` (tokenizer with the image tokens, image
processor, chat template) and a model card. It loads with transformers alone:

    model = Idefics2ForConditionalGeneration.from_pretrained(folder)
    processor = AutoProcessor.from_pretrained(folder)
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from . import storage
from .vlm import Vlm


def model_card(vlm: Vlm, lineage: dict[str, Any], metrics: dict[str, Any], train_config: dict[str, Any]) -> str:
    config = vlm.model.config
    losses = metrics.get("loss") or []

    def files(source: dict[str, Any]) -> str:
        return "\n".join(f"  - `{name}` sha256 `{digest}`" for name, digest in source["files"].items())

    perceiver = config.perceiver_config
    return f"""---
library_name: transformers
pipeline_tag: image-text-to-text
tags: [idefics2, vlmflow]
---

# Idefics2-style VLM trained by vlmflow

An `Idefics2ForConditionalGeneration`: a frozen vision encoder and a frozen language model with a
connector (modality projection + Perceiver Resampler: {perceiver.resampler_n_latents} latents,
depth {perceiver.resampler_depth}, {perceiver.resampler_n_heads} heads × {perceiver.resampler_head_dim},
{perceiver.num_key_value_heads} KV heads) trained between them. Only the connector was trained; the
vision tower (pooling head dropped) and the language model are the base checkpoints' weights, with
embedding rows added for `<fake_token_around_image>`, `<image>` (id {config.image_token_id}) and
`<end_of_utterance>`.

```python
from transformers import AutoProcessor, Idefics2ForConditionalGeneration

model = Idefics2ForConditionalGeneration.from_pretrained("path/to/this/folder")
processor = AutoProcessor.from_pretrained("path/to/this/folder")
messages = [{{"role": "user", "content": [{{"type": "image"}}, {{"type": "text", "text": "Describe this image."}}]}}]
prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
inputs = processor(text=prompt, images=[image], return_tensors="pt")
print(processor.batch_decode(model.generate(**inputs, max_new_tokens=30), skip_special_tokens=True))
```

## Base models

- vision: `{vlm.sources["vision"]["uri"]}`
{files(vlm.sources["vision"])}
- language model: `{vlm.sources["text"]["uri"]}`
{files(vlm.sources["text"])}

## Data

{json.dumps(lineage, indent=2)}

## Training

- steps: {metrics.get("steps")}, samples per step: {metrics.get("samples_per_step")}, world size: {metrics.get("world_size")}
- loss: first {losses[0] if losses else None}, last {losses[-1] if losses else None}
- configuration:

```json
{json.dumps(train_config, indent=2, sort_keys=True)}
```
"""


def write_export(vlm: Vlm, out: str, card: str) -> str:
    """Saves locally, then copies file by file (multipart to S3); returns the folder URI."""
    target = storage.join(out, "export")
    with tempfile.TemporaryDirectory(prefix="export-") as tmp:
        folder = Path(tmp)
        vlm.model.save_pretrained(folder)
        vlm.processor.save_pretrained(folder)
        (folder / "README.md").write_text(card)
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            storage.upload_file(storage.join(target, str(path.relative_to(folder))), path)
    return target
