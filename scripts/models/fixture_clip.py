"""The CLIP fixture: a tiny CLIPModel (ViT image tower + transformer text tower, projections)
with random weights, a word-level tokenizer in CLIP's conventions (lower-case,
<|startoftext|> … <|endoftext|>, padded with <|endoftext|>), CLIP's image processor (shortest
edge + centre crop, CLIP mean/std), and the two towers as ONNX graphs in the transformers.js
layout: onnx/text_model.onnx (input_ids, attention_mask → text_embeds) and
onnx/vision_model.onnx (pixel_values → image_embeds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, PreTrainedTokenizerFast

from fixture_common import (
    EXPECTED_BATCH,
    PIXEL_FORMULA,
    check_onnx,
    export_onnx,
    reference_pixels,
    write_json,
)

WORDS_FILE = Path(__file__).with_name("caption_words.txt")
BOS, EOS, UNK = "<|startoftext|>", "<|endoftext|>", "<unk>"
# The captions expected.json pairs with the reference images (every word is in the vocabulary).
EXPECTED_TEXTS = ["a small dog on the beach", "two old boats near a bridge at sunset"]


@dataclass(frozen=True)
class ClipDims:
    image_size: int
    patch_size: int
    hidden: int
    layers: int
    heads: int
    projection: int
    max_positions: int


def build_tokenizer() -> PreTrainedTokenizerFast:
    """Word-level (every id a whole word), lower-cased as CLIP's is, with CLIP's special tokens
    around every text; padding with <|endoftext|> as openai/clip-vit-base-patch32 pads."""
    words = [w for w in WORDS_FILE.read_text().split("\n") if w and not w.startswith("#")]
    tokenizer = Tokenizer(models.WordLevel(unk_token=UNK))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordLevelTrainer(special_tokens=[BOS, EOS, UNK], min_frequency=1)
    tokenizer.train_from_iterator(words, trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}", special_tokens=[(BOS, 0), (EOS, 1)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=EOS,
        unk_token=UNK,
        model_max_length=None,
    )


def build_model(dims: ClipDims, vocab_size: int, seed: int) -> CLIPModel:
    torch.manual_seed(seed)
    tower = dict(
        hidden_size=dims.hidden,
        intermediate_size=dims.hidden * 4,
        num_hidden_layers=dims.layers,
        num_attention_heads=dims.heads,
    )
    config = CLIPConfig(
        # eos_token_id 1 (not the legacy 2): the text tower pools at the first <|endoftext|>.
        text_config=dict(
            vocab_size=vocab_size,
            max_position_embeddings=dims.max_positions,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            **tower,
        ),
        vision_config=dict(image_size=dims.image_size, patch_size=dims.patch_size, **tower),
        projection_dim=dims.projection,
        attn_implementation="eager",
    )
    return CLIPModel(config).eval()


class _TextEmbeds(torch.nn.Module):
    def __init__(self, model: CLIPModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        pooled = self.model.text_model(input_ids=input_ids, attention_mask=attention_mask).pooler_output
        return self.model.text_projection(pooled)


class _ImageEmbeds(torch.nn.Module):
    def __init__(self, model: CLIPModel):
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model.visual_projection(self.model.vision_model(pixel_values=pixel_values).pooler_output)


def save_clip_processor(folder: Path, image_size: int) -> None:
    """CLIP's own preprocessing: shortest edge to image_size (bicubic), centre crop, CLIP mean/std."""
    CLIPImageProcessor(
        size={"shortest_edge": image_size},
        crop_size={"height": image_size, "width": image_size},
    ).save_pretrained(str(folder))


def write_clip(folder: Path, dims: ClipDims, seed: int) -> dict:
    tok = build_tokenizer()
    model = build_model(dims, len(tok), seed)
    text_module, image_module = _TextEmbeds(model).eval(), _ImageEmbeds(model).eval()
    folder.mkdir(parents=True, exist_ok=True)

    batch = tok(EXPECTED_TEXTS, padding=True, return_tensors="pt")
    ids, mask = batch["input_ids"], batch["attention_mask"]
    pixels = reference_pixels(EXPECTED_BATCH, dims.image_size, dims.image_size)
    text_path, vision_path = folder / "onnx" / "text_model.onnx", folder / "onnx" / "vision_model.onnx"
    export_onnx(
        text_module, (ids, mask), ["input_ids", "attention_mask"], ["text_embeds"],
        {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
         "text_embeds": {0: "batch"}},
        text_path,
    )
    export_onnx(
        image_module, (pixels,), ["pixel_values"], ["image_embeds"],
        {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}},
        vision_path,
    )
    # Checked at other batch sizes and lengths than exported: proves the axes are dynamic.
    check = tok(EXPECTED_TEXTS + ["a dog"], padding="max_length", max_length=dims.max_positions, return_tensors="pt")
    diffs = {
        "text_model.onnx": check_onnx(
            text_path,
            {"input_ids": check["input_ids"].numpy(), "attention_mask": check["attention_mask"].numpy()},
            lambda: [text_module(check["input_ids"], check["attention_mask"])],
            "clip text",
        ),
    }
    check_pixels = reference_pixels(3, dims.image_size, dims.image_size)
    diffs["vision_model.onnx"] = check_onnx(
        vision_path, {"pixel_values": check_pixels.numpy()}, lambda: [image_module(check_pixels)], "clip vision"
    )

    model.save_pretrained(str(folder))
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    # The calls above left padding settings on the tokenizer; the saved one must have none
    # (the operator pads each batch itself, as transformers' processor does).
    tok._tokenizer.no_padding()
    tok._tokenizer.no_truncation()
    tok.save_pretrained(str(folder))
    save_clip_processor(folder, dims.image_size)
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, pixel_values=pixels)
        # logits_per_image = cos(image, text) · exp(logit_scale): the cosine is the CLIP score.
        cosine = out.logits_per_image / model.logit_scale.exp()
    expected = {
        "input": {"formula": PIXEL_FORMULA, "shape": list(pixels.shape), "dtype": "float32"},
        "texts": EXPECTED_TEXTS,
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "image_embeds": out.image_embeds.tolist(),
        "text_embeds": out.text_embeds.tolist(),
        "cosine": cosine.tolist(),
        "onnx_max_abs_diff": diffs,
    }
    write_json(folder / "expected.json", expected)
    return expected
