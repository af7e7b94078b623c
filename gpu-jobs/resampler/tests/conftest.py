import sys
from pathlib import Path

import pytest
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the resampler package, without installing it
sys.path.insert(0, str(HERE))  # shards.py

# Tiny models: one thread is fastest, and the test machine's cores are shared.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    from resampler.tiny_models import make_tiny_models

    return make_tiny_models(tmp_path_factory.mktemp("models"))


TINY_PERCEIVER = {
    "resampler_n_latents": 4,
    "resampler_depth": 2,
    "resampler_n_heads": 4,
    "resampler_head_dim": 8,
    "num_key_value_heads": 2,
}


@pytest.fixture
def train_config(tiny_models):
    def make(**overrides):
        import json

        from resampler.config import parse_config

        values = {
            "vision_model": str(tiny_models["vision"]),
            "text_model": str(tiny_models["text"]),
            "steps": 6,
            "batch_size": 4,
            "lr": 2e-2,
            "warmup_steps": 2,
            "num_workers": 0,
            "shuffle_buffer": 8,
            "checkpoint_every": 2,
            "max_seq_len": 64,
            "image_shortest_edge": 32,
            "image_longest_edge": 64,
            "heldout_samples": 2,
            **TINY_PERCEIVER,
            **overrides,
        }
        return parse_config(json.dumps(values))

    return make


@pytest.fixture(scope="session")
def manifest_two_shards(tmp_path_factory):
    from shards import make_pair_shards, write_dataset_manifest

    root = tmp_path_factory.mktemp("two-shards")
    return str(write_dataset_manifest(root / "manifest.json", make_pair_shards(root / "shards", 2, 8)))
