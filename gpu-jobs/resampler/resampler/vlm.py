"""
The VLM the job trains and exports: transformers' `Idefics2ForConditionalGeneration` assembled
from a frozen vision checkpoint (SigLIP-like; its pooling head dropped) and a frozen causal LM
checkpoint, with a new connector (modality projection + Perceiver Resampler) between them, and
an `Idefics2Processor` whose tokenizer holds the image tokens. Only the connector trains.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from . import model_folders
from .model_folders import ModelError

IMAGE_TOKEN, FAKE_IMAGE_TOKEN, END_OF_UTTERANCE = "<image>", "<fake_token_around_image>", "<end_of_utterance>"
# The chat template of HuggingFaceM4/idefics2-8b's processor ("User:<image>…<end_of_utterance>\nAssistant:").
CHAT_TEMPLATE = (
    "{% for message in messages %}{{message['role'].capitalize()}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
VISION_CONFIG_KEYS = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_channels",
                      "image_size", "patch_size", "hidden_act", "layer_norm_eps", "attention_dropout")


@dataclass
class Vlm:
    model: Any  # Idefics2ForConditionalGeneration
    processor: Any  # Idefics2Processor
    sources: dict[str, dict[str, Any]]  # {"vision"|"text": {"uri", "files": {name: sha256}}}
    base_vocab: int  # embedding rows of the LM checkpoint; rows from here on are the new tokens

    @property
    def connector(self) -> torch.nn.Module:
        return self.model.model.connector


@dataclass(frozen=True)
class VlmSpec:
    vision_model: str
    text_model: str
    perceiver: dict[str, Any]  # Idefics2PerceiverConfig fields
    shortest_edge: int
    longest_edge: int
    image_splitting: bool


def _load_vision(folder: Path, uri: str):
    from transformers import AutoModel

    try:
        loaded = AutoModel.from_pretrained(folder, dtype="auto")
    except Exception as e:  # noqa: BLE001 - transformers raises OSError/ValueError/KeyError
        raise ModelError(f"cannot load vision model from {uri}: {e}") from e
    # SiglipVisionModel and SiglipModel both carry the transformer as .vision_model.
    tower = getattr(loaded, "vision_model", loaded)
    if not hasattr(tower, "embeddings") or not hasattr(tower.config, "patch_size"):
        raise ModelError(f"vision model {uri}: not a SigLIP-like vision transformer ({type(loaded).__name__})")
    return tower


def _load_text(folder: Path, uri: str):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        lm = AutoModelForCausalLM.from_pretrained(folder, dtype="auto")
        tokenizer = AutoTokenizer.from_pretrained(folder)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"cannot load text model from {uri}: {e}") from e
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return lm, tokenizer


def image_normalisation(folder: Path) -> tuple[list[float], list[float]]:
    """The vision checkpoint's preprocessor mean/std (SigLIP's 0.5 when it has none)."""
    pre = folder / "preprocessor_config.json"
    cfg = json.loads(pre.read_text()) if pre.exists() else {}
    return list(cfg.get("image_mean", [0.5] * 3)), list(cfg.get("image_std", [0.5] * 3))


def make_processor(tokenizer, spec: VlmSpec, mean: list[float], std: list[float]):
    from transformers import Idefics2Processor
    from transformers.models.idefics2.image_processing_pil_idefics2 import Idefics2ImageProcessorPil

    # The PIL backend: transformers' default backend needs torchvision, which the job does not
    # install; a folder saved from it loads as Idefics2ImageProcessor either way.
    images = Idefics2ImageProcessorPil(
        do_image_splitting=spec.image_splitting,
        size={"shortest_edge": spec.shortest_edge, "longest_edge": spec.longest_edge},
        image_mean=mean, image_std=std,
    )
    return Idefics2Processor(images, tokenizer, image_seq_len=int(spec.perceiver["resampler_n_latents"]),
                             chat_template=CHAT_TEMPLATE)


def idefics2_config(vision_config: dict, text_config: dict, perceiver: dict, image_token_id: int, tie: bool):
    from transformers import Idefics2Config

    return Idefics2Config(
        vision_config={k: vision_config[k] for k in VISION_CONFIG_KEYS if k in vision_config},
        # The resampler's output feeds the LM: its width and norm eps are the LM's.
        perceiver_config={"hidden_size": text_config["hidden_size"],
                          "rms_norm_eps": text_config.get("rms_norm_eps", 1e-6), **perceiver},
        text_config=text_config,
        image_token_id=image_token_id,
        tie_word_embeddings=tie,
    )


def reset_connector(connector: torch.nn.Module, text_hidden: int, std: float = 0.02) -> None:
    """Normal(0.02) linears, unit norms, and random latents: transformers initialises the
    latents to ones, and identical latents get identical gradients, so they would never differ."""
    for name, p in connector.named_parameters():
        if name.endswith("latents"):
            torch.nn.init.normal_(p, std=1.0 / math.sqrt(text_hidden))
        elif p.dim() == 1:
            torch.nn.init.ones_(p)
        else:
            torch.nn.init.normal_(p, std=std)


def build_vlm(spec: VlmSpec, cache_root: Path) -> Vlm:
    """The frozen towers' weights are the checkpoints' own tensors (same dtype, no copy)."""
    from transformers import Idefics2ForConditionalGeneration
    from transformers.models.idefics2.modeling_idefics2 import Idefics2Connector

    vision_dir = model_folders.materialise(spec.vision_model, "vision", cache_root)
    text_dir = model_folders.materialise(spec.text_model, "text", cache_root)
    tower = _load_vision(vision_dir, spec.vision_model)
    lm, tokenizer = _load_text(text_dir, spec.text_model)
    base_vocab = lm.get_input_embeddings().weight.shape[0]
    mean, std = image_normalisation(vision_dir)
    processor = make_processor(tokenizer, spec, mean, std)  # adds the three image/turn tokens

    config = idefics2_config(tower.config.to_dict(), lm.config.to_dict(), spec.perceiver,
                             tokenizer.convert_tokens_to_ids(IMAGE_TOKEN), bool(lm.config.tie_word_embeddings))
    # Built on the meta device (no 7B of random weights), then the real modules put in.
    with torch.device("meta"):
        model = Idefics2ForConditionalGeneration(config)
    vision_state = {k: v for k, v in tower.state_dict().items() if not k.startswith("head.")}
    model.model.vision_model.load_state_dict(vision_state, strict=True, assign=True)
    model.model.text_model = lm.model
    model.lm_head = lm.lm_head
    connector = Idefics2Connector(config)
    reset_connector(connector, config.text_config.hidden_size)
    model.model.connector = connector
    left = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
    if left:
        raise ModelError(f"vision model {spec.vision_model}: weights missing for {', '.join(left[:5])}")
    if len(tokenizer) > base_vocab:
        # New rows: the mean of the old ones plus noise of their covariance (transformers' default).
        model.resize_token_embeddings(len(tokenizer), mean_resizing=True)
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids(END_OF_UTTERANCE)]
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    for name, p in model.named_parameters():
        p.requires_grad_(name.startswith("model.connector."))
    sources = {"vision": model_folders.describe(spec.vision_model, vision_dir),
               "text": model_folders.describe(spec.text_model, text_dir)}
    return Vlm(model=model, processor=processor, sources=sources, base_vocab=base_vocab)
