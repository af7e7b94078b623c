#!/usr/bin/env python3
"""Makes the tiny random-weight ONNX models the model operators are tested with, in the
Hugging Face / transformers.js folder layout (see docs/models.md, "Fixture models").

    python3 scripts/models/make_fixture_models.py                  # test/fixtures/models/{nsfw,caption}-tiny
    python3 scripts/models/make_fixture_models.py --out /tmp/m     # same models elsewhere
    python3 scripts/models/make_fixture_models.py --preset bench --out /tmp/bench-models

Offline and deterministic: fixed seeds, no downloads. Every export is run with onnxruntime
and compared with PyTorch before the folder is finished."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import warnings
from pathlib import Path

SCRIPT_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPT_DIR))

from transformers.utils import logging as transformers_logging  # noqa: E402

from fixture_captioner import CaptionerDims, write_captioner  # noqa: E402
from fixture_classifier import ClassifierDims, write_classifier  # noqa: E402
from fixture_clip import ClipDims, write_clip  # noqa: E402
from model_folder import write_json, write_sha256sums  # noqa: E402

REPO_ROOT = SCRIPT_DIR.parent.parent
DEFAULT_OUT = REPO_ROOT / "test" / "fixtures" / "models"
CLASSIFIER_SEED = 0
# Seed 2 gives greedy captions of both kinds in the expected batch: item 0 runs the full
# 12 tokens, item 1 stops at EOS after 7 — so batch EOS handling is exercised.
CAPTIONER_SEED = 2
CLIP_SEED = 0

PRESETS = {
    "fixture": {
        "classifier": ("nsfw-tiny", ClassifierDims(32, 8, 32, 2, 4, init_range=0.5)),
        "captioner": ("caption-tiny", CaptionerDims(32, 8, 32, 2, 2, 4, 64, init_range=0.5)),
        "clip": ("clip-tiny", ClipDims(32, 8, 32, 2, 4, projection=16, max_positions=16)),
    },
    # Closer to real model costs, for the benchmark; not committed. Default-scale weights keep
    # the deep stacks' logits small enough for the 1e-4 ONNX check.
    "bench": {
        "classifier": ("nsfw-bench", ClassifierDims(224, 16, 192, 6, 3, init_range=0.02)),
        "captioner": ("caption-bench", CaptionerDims(224, 16, 192, 4, 4, 3, 64, init_range=0.02)),
        # openai/clip-vit-base-patch32's shape (ViT-B/32 at 224 px, 77 text positions).
        "clip": ("clip-bench", ClipDims(224, 32, 768, 12, 12, projection=512, max_positions=77)),
    },
    # A classifier the size of the NSFW ViTs people deploy (ViT-base/16 at 224 px, e.g.
    # Falconsai/nsfw_image_detection; 86M parameters, ~340 MB of ONNX), with the bench captioner.
    "bench-base": {
        "classifier": ("nsfw-base", ClassifierDims(224, 16, 768, 12, 12, init_range=0.02)),
        "captioner": ("caption-bench", CaptionerDims(224, 16, 192, 4, 4, 3, 64, init_range=0.02)),
    },
}


def fresh_folder(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def mark_random_weights(folder: Path) -> None:
    """config.json `random_weights: true`: the model operators copy it into every sample they
    judge or caption (lambdas/models/provenance.ts), so output of a fixture never passes for a
    real model's."""
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    config["random_weights"] = True
    write_json(config_path, config)


def check_fixture_captions(expected: dict) -> None:
    """The committed captioner must keep the properties the operator tests rely on."""
    eos = expected["eos_token_id"]
    specials = {expected["pad_token_id"], expected["decoder_start_token_id"], eos, 3}
    greedy = expected["greedy"]
    lengths = [len(tokens) for tokens in greedy["tokens"]]
    if lengths[0] != 12 or not 1 < lengths[1] < 12:
        raise SystemExit(f"fixture captioner: greedy lengths {lengths}, want [12, 2..11]")
    for tokens in greedy["tokens"] + expected["beam"]["tokens"]:
        if specials & set(tokens):
            raise SystemExit(f"fixture captioner: special token inside a caption: {tokens}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="fixture")
    parser.add_argument("--out", type=Path, help=f"parent folder (fixture default: {DEFAULT_OUT})")
    args = parser.parse_args()
    if args.out is None and args.preset != "fixture":
        parser.error(f"--out is required for --preset {args.preset} (bench models are not committed)")
    out: Path = args.out or DEFAULT_OUT
    warnings.filterwarnings("ignore")  # tracer warnings about shape-dependent Python branches
    transformers_logging.set_verbosity_error()

    preset = PRESETS[args.preset]
    classifier_name, classifier_dims = preset["classifier"]
    folder = fresh_folder(out / classifier_name)
    write_classifier(folder, classifier_dims, CLASSIFIER_SEED)
    mark_random_weights(folder)
    write_sha256sums(folder)
    print(f"wrote {folder}")

    captioner_name, captioner_dims = preset["captioner"]
    folder = fresh_folder(out / captioner_name)
    expected = write_captioner(folder, captioner_dims, CAPTIONER_SEED)
    if args.preset == "fixture":
        check_fixture_captions(expected)
    mark_random_weights(folder)
    write_sha256sums(folder)
    print(f"wrote {folder}")

    if "clip" in preset:
        clip_name, clip_dims = preset["clip"]
        folder = fresh_folder(out / clip_name)
        write_clip(folder, clip_dims, CLIP_SEED)
        mark_random_weights(folder)
        write_sha256sums(folder)
        print(f"wrote {folder}")


if __name__ == "__main__":
    main()
