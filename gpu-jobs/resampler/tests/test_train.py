"""Training end to end on CPU: loss goes down, an interrupted run resumes exactly, bad inputs exit 2."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from resampler.train import main, train
from shards import make_pair_shards, write_dataset_manifest

JOB_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return str(write_dataset_manifest(root / "manifest.json", make_pair_shards(root / "shards", 3, 8)))


class Interrupted(Exception):
    pass


def test_loss_decreases_on_a_learnable_dataset(manifest, train_config, tmp_path):
    metrics = train(manifest, str(tmp_path / "out"), train_config(steps=14, checkpoint_every=100, ))
    first, last = metrics["loss"][0], sum(metrics["loss"][-4:]) / 4
    assert len(metrics["loss"]) == 14
    assert last < first - 0.1, metrics["loss"]


def test_an_interrupted_run_resumes_from_its_checkpoint_with_the_same_losses(manifest, train_config, tmp_path):
    config = train_config(steps=6, checkpoint_every=2, grad_accum=2, num_workers=2, image_splitting=True)
    whole = train(manifest, str(tmp_path / "whole"), config)

    def stop_at_5(step, loss):
        if step == 5:
            raise Interrupted()

    out = tmp_path / "interrupted"
    with pytest.raises(Interrupted):
        train(manifest, out.as_uri(), config, on_step=stop_at_5)
    assert json.loads((out / "checkpoints" / "latest.json").read_text())["step"] == 4
    resumed = train(manifest, out.as_uri(), config)
    assert resumed["resumed_from"] == 4
    assert resumed["loss"] == whole["loss"]
    assert resumed["lr"] == whole["lr"]
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["loss"] == whole["loss"] and saved["steps"] == 6


def test_a_resume_with_a_different_config_is_refused(manifest, train_config, tmp_path, capsys):
    train(manifest, str(tmp_path), train_config(steps=2))
    changed = json.dumps({**json.loads(train_config(steps=2).to_json()), "lr": 0.5})
    assert main(["--manifest", manifest, "--out", str(tmp_path), "--config", changed]) == 2
    assert "was written with a different config (lr); use a new --out" in capsys.readouterr().err


def cli_config(train_config, **overrides) -> str:
    return json.dumps({**json.loads(train_config().to_json()), **overrides})


def test_bad_inputs_exit_2_with_a_clear_message(manifest, train_config, tmp_path, capsys):
    def run(manifest_uri, config):
        code = main(["--manifest", manifest_uri, "--out", str(tmp_path / "o"), "--config", config])
        return code, capsys.readouterr().err

    code, err = run(str(tmp_path / "nope.json"), cli_config(train_config))
    assert code == 2 and f"error: cannot read manifest: cannot read file://{tmp_path}/nope.json" in err

    code, err = run(manifest, cli_config(train_config, text_model=str(tmp_path / "no-lm")))
    assert code == 2 and f"error: text model: model folder file://{tmp_path}/no-lm does not exist" in err

    code, err = run(manifest, cli_config(train_config, stepz=3))
    assert code == 2 and "error: config: unknown key(s) stepz" in err

    code, err = run(manifest, cli_config(train_config, batch_size="8"))
    assert code == 2 and "error: config.batch_size: expected int, got '8'" in err

    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"\x00garbage" * 200)
    bad_shard = write_dataset_manifest(tmp_path / "bad.json", [{"uri": broken.as_uri(), "samples": 3}])
    code, err = run(str(bad_shard), cli_config(train_config, num_workers=1))
    assert code == 2 and f"unreadable shard {broken.as_uri()}" in err


def test_the_entry_point_runs_as_a_module(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "resampler.train", "--manifest", str(tmp_path / "missing.json"), "--out", str(tmp_path),
         "--config", '{"vision_model": "v", "text_model": "t"}'],
        cwd=JOB_DIR, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "error: cannot read manifest" in result.stderr


def test_two_processes_train_with_ddp_under_torchrun(manifest, train_config, tmp_path):
    config = train_config(steps=2, checkpoint_every=1).to_json()
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "resampler.train", "--manifest", manifest, "--out", str(tmp_path), "--config", config],
        cwd=JOB_DIR, capture_output=True, text=True, timeout=300,
        # Two CPU processes over gloo, also on a machine with one GPU (two ranks need two GPUs).
        env={**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("done: 2 steps") == 1  # rank 0 reports
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and len(metrics["loss"]) == 2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="torch.compile of the connector is a GPU option")
def test_a_compiled_connector_trains_on_gpu_and_saves_plain_key_names(manifest, train_config, tmp_path):
    metrics = train(manifest, str(tmp_path), train_config(steps=3, checkpoint_every=100, compile=True))
    assert len(metrics["loss"]) == 3 and all(torch.isfinite(torch.tensor(metrics["loss"])))
    weights = load_file(str(tmp_path / "export" / "model.safetensors"))
    assert not any(key.startswith("_orig_mod") for key in weights)


def test_text_only_micro_batches_train(train_config, tmp_path):
    """A mixture of text-only samples and pairs: batches of one give micro-batches with no image."""
    from shards import write_tar

    texts = tmp_path / "text.tar"
    write_tar(texts, [(f"t{i}.txt", f"User: what is {i}?\nAssistant: {i}".encode()) for i in range(6)])
    pairs = make_pair_shards(tmp_path / "pairs", 1, 6)[0]
    mixed = write_dataset_manifest(tmp_path / "m.json", [{"uri": texts.as_uri(), "samples": 6}, pairs])
    metrics = train(str(mixed), str(tmp_path / "out"), train_config(steps=4, batch_size=1, grad_accum=2,
                                                                   checkpoint_every=100, heldout_samples=0))
    assert len(metrics["loss"]) == 4 and all(loss == loss for loss in metrics["loss"])


def test_config_accepts_an_idefics2_config_dict_and_checks_it_against_the_towers(manifest, train_config, tiny_models,
                                                                                tmp_path, capsys):
    from transformers import AutoConfig, Idefics2Config

    from resampler.config import parse_config

    vision = AutoConfig.from_pretrained(tiny_models["vision"]).to_dict()
    text = AutoConfig.from_pretrained(tiny_models["text"]).to_dict()
    perceiver = {"resampler_n_latents": 2, "resampler_depth": 1, "resampler_n_heads": 2, "resampler_head_dim": 8,
                 "num_key_value_heads": 1}
    idefics2 = Idefics2Config(vision_config=vision, text_config=text, perceiver_config=perceiver).to_dict()
    base = {k: v for k, v in json.loads(train_config().to_json()).items() if not k.startswith(("resampler_", "num_key"))}
    config = parse_config(json.dumps({**base, **idefics2, "steps": 1}))
    assert (config.resampler_n_latents, config.resampler_depth, config.num_key_value_heads) == (2, 1, 1)
    metrics = train(manifest, str(tmp_path / "ok"), config)
    assert metrics["steps"] == 1

    wrong = {**idefics2, "vision_config": {**idefics2["vision_config"], "hidden_size": 64}}
    code = main(["--manifest", manifest, "--out", str(tmp_path / "bad"), "--config", json.dumps({**base, **wrong})])
    assert code == 2
    assert "config.vision_config does not match the vision checkpoint: hidden_size=64 (checkpoint: 32)" in capsys.readouterr().err
