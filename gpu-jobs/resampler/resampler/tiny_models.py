"""
Tiny random-weight models in Hugging Face format, for tests and local runs with no hub access:
a SigLIP vision encoder, a Llama causal LM and a byte-level BPE tokenizer trained on a few
sentences. `python -m resampler.tiny_models --out DIR` writes DIR/tiny-vision and DIR/tiny-lm.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

CORPUS = [
    "a photo of a red square on a white background",
    "a blue circle next to a green triangle",
    "the quick brown fox jumps over the lazy dog",
    "an image of a cat sitting on a wooden table",
    "a landscape with mountains, a lake and trees at sunset",
]


def make_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    # Byte-level: every caption tokenizes, whatever its characters.
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=320,
        special_tokens=["<pad>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS * 4, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token=None
    )


def make_tiny_models(out: Path, seed: int = 0, image_size: int = 32) -> dict[str, Path]:
    from transformers import LlamaConfig, LlamaForCausalLM, SiglipVisionConfig, SiglipVisionModel

    torch.manual_seed(seed)
    vision_dir, lm_dir = out / "tiny-vision", out / "tiny-lm"
    vision = SiglipVisionModel(
        SiglipVisionConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=image_size,
            patch_size=8,
        )
    )
    vision.save_pretrained(vision_dir)
    (vision_dir / "preprocessor_config.json").write_text(
        json.dumps({"image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "size": image_size})
    )
    tokenizer = make_tokenizer()
    lm = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=48,
            intermediate_size=96,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=1024,
            # Wider than the 0.02 default, so that the random LM reacts to its inputs (logits away from
            # uniform): a connector has a loss it can lower within a few steps in the tests.
            initializer_range=0.2,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    )
    lm.save_pretrained(lm_dir)
    tokenizer.save_pretrained(lm_dir)
    for folder in (vision_dir, lm_dir):
        mark_random_weights(folder)
    return {"vision": vision_dir, "text": lm_dir}


def mark_random_weights(folder: Path) -> None:
    """`random_weights: true` in config.json, as the ONNX fixtures say it: whatever uses these
    models (a run summary, a report) can tell their outputs are noise."""
    config_file = folder / "config.json"
    config = json.loads(config_file.read_text())
    config["random_weights"] = True
    config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name, path in make_tiny_models(args.out, args.seed).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
