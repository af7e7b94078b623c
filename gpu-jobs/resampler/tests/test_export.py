"""The export folder loads with transformers alone, in a separate clean Python, and generates."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file

from resampler.train import train
from shards import COLOURS, jpeg, make_pair_shards, write_dataset_manifest

# Runs with `python -I` (no PYTHONPATH, no cwd, no user site): only torch and transformers.
CLEAN_LOAD = r"""
import importlib.util, io, json, sys
import torch
from PIL import Image
from transformers import AutoProcessor, Idefics2ForConditionalGeneration
assert importlib.util.find_spec("resampler") is None, "project code is importable"
folder, image_path = sys.argv[1], sys.argv[2]
model, info = Idefics2ForConditionalGeneration.from_pretrained(folder, output_loading_info=True)
processor = AutoProcessor.from_pretrained(folder)
messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe this image."}]}]
prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
inputs = processor(text=prompt, images=[Image.open(image_path)], return_tensors="pt")
ids = model.generate(**inputs, max_new_tokens=5, do_sample=False)
tok = processor.tokenizer
print(json.dumps({
    "info": {k: sorted(map(str, v)) for k, v in info.items()},
    "image_token_id": model.config.image_token_id,
    "tokens": {t: tok.convert_tokens_to_ids(t) for t in ["<image>", "<fake_token_around_image>", "<end_of_utterance>"]},
    "image_seq_len": processor.image_seq_len,
    "latents": model.config.perceiver_config.resampler_n_latents,
    "prompt_len": inputs["input_ids"].shape[1],
    "generated": ids.shape[1],
    "connector": {k: v.tolist() for k, v in model.model.connector.state_dict().items() if k.endswith("latents")},
}))
"""


@pytest.fixture(scope="module")
def exported(tiny_models, tmp_path_factory):
    import json as _json

    from resampler.config import parse_config

    root = tmp_path_factory.mktemp("export")
    manifest = write_dataset_manifest(root / "manifest.json", make_pair_shards(root / "shards", 2, 6))
    config = parse_config(_json.dumps({
        "vision_model": str(tiny_models["vision"]), "text_model": str(tiny_models["text"]), "steps": 2,
        "batch_size": 2, "num_workers": 0, "shuffle_buffer": 4, "max_seq_len": 64, "heldout_samples": 2,
        "image_shortest_edge": 32, "image_longest_edge": 64, "resampler_n_latents": 4, "resampler_depth": 1,
        "resampler_n_heads": 2, "resampler_head_dim": 8, "num_key_value_heads": 1,
    }))
    metrics = train(str(manifest), str(root / "out"), config)
    return root / "out", metrics


def test_the_export_loads_in_a_clean_python_and_generates(exported, tmp_path):
    out, _ = exported
    image = tmp_path / "odd.jpg"
    image.write_bytes(jpeg(COLOURS["green"], (45, 29)))
    result = subprocess.run([sys.executable, "-I", "-c", CLEAN_LOAD, str(out / "export"), str(image)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(not keys for keys in loaded["info"].values()), loaded["info"]  # no missing/unexpected/mismatched
    assert loaded["image_token_id"] == loaded["tokens"]["<image>"]
    assert len(set(loaded["tokens"].values())) == 3
    assert loaded["image_seq_len"] == loaded["latents"] == 4
    assert loaded["generated"] > loaded["prompt_len"]


def test_the_export_holds_the_trained_connector_and_the_frozen_towers_exactly(exported, tiny_models):
    out, _ = exported
    exported_weights = load_file(out / "export" / "model.safetensors")
    latest = json.loads((out / "checkpoints" / "latest.json").read_text())
    trained = load_file(Path(latest["folder"].removeprefix("file://")) / "connector.safetensors")
    assert trained, "no connector weights in the last checkpoint"
    for key, tensor in trained.items():
        assert exported_weights[f"model.connector.{key}"].dtype == tensor.dtype
        assert exported_weights[f"model.connector.{key}"].equal(tensor), key
    vision = load_file(tiny_models["vision"] / "model.safetensors")
    for key, tensor in vision.items():
        name = "model.vision_model." + key.removeprefix("vision_model.")  # saved with or without the prefix
        if key.removeprefix("vision_model.").startswith("head."):
            assert name not in exported_weights  # SigLIP's pooling head is dropped
        else:
            assert exported_weights[name].equal(tensor), key
    lm = load_file(tiny_models["text"] / "model.safetensors")
    for key, tensor in lm.items():
        name = key.replace("model.", "model.text_model.", 1) if key.startswith("model.") else key
        rows = tensor.shape[0]
        if key in ("model.embed_tokens.weight", "lm_head.weight"):
            assert exported_weights[name].shape[0] == rows + 3  # the three new tokens only
            assert exported_weights[name][:rows].equal(tensor), key
        else:
            assert exported_weights[name].equal(tensor), key


def test_the_model_card_names_bases_with_hashes_data_and_loss(exported):
    out, metrics = exported
    card = (out / "export" / "README.md").read_text()
    assert "sha256" in card and "tiny-vision" in card and "tiny-lm" in card
    assert "manifest.json" in card and f"steps: {metrics['steps']}" in card
    assert f"last {metrics['loss'][-1]}" in card


def test_held_out_images_get_sample_generations(exported):
    out, metrics = exported
    samples = json.loads((out / "samples.json").read_text())["samples"]
    assert len(samples) == metrics["samples"] == 2
    for sample in samples:
        assert (out / sample["image"]).exists() and sample["reference"].startswith("a ")
        assert isinstance(sample["generated"], str)
