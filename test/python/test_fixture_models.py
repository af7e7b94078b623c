"""pytest for scripts/models/make_fixture_models.py: the committed fixture models are what the
script makes, their manifests hold, and onnxruntime reproduces expected.json."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx", reason="the ONNX exporter needs `pip install onnx` (requirements-dev.txt)")
ort = pytest.importorskip("onnxruntime", reason="needs `pip install onnxruntime` (requirements-dev.txt)")
pytest.importorskip("torch", reason="the fixture script needs torch")
pytest.importorskip("transformers", reason="the fixture script needs transformers")
from tokenizers import Tokenizer  # noqa: E402  (comes with transformers)

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "models" / "make_fixture_models.py"
COMMITTED = REPO / "test" / "fixtures" / "models"
FILES = {
    "nsfw-tiny": {"SHA256SUMS", "config.json", "expected.json", "onnx/model.onnx", "preprocessor_config.json"},
    "caption-tiny": {
        "SHA256SUMS",
        "config.json",
        "expected.json",
        "generation_config.json",
        "onnx/decoder_model.onnx",
        "onnx/decoder_with_past_model.onnx",
        "onnx/encoder_model.onnx",
        "preprocessor_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
    },
}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models")
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True)
    return out


def files_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def reference_pixels(shape: list[int]) -> np.ndarray:
    """The formula expected.json documents, written out again independently."""
    b, c, y, x = np.meshgrid(*(np.arange(n) for n in shape), indexing="ij")
    return (((c * 7 + y * 3 + x + b * 5) % 17) / 17.0 - 0.5).astype(np.float32)


def load_expected(folder: Path) -> dict:
    return json.loads((folder / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(FILES))
def test_folders_hold_exactly_the_layout_files(regenerated: Path, name: str) -> None:
    assert files_of(regenerated / name) == FILES[name]
    assert files_of(COMMITTED / name) == FILES[name]


@pytest.mark.parametrize("name", sorted(FILES))
def test_sha256sums_list_every_other_file_with_its_digest(name: str) -> None:
    folder = COMMITTED / name
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        digest, path = line.split("  ", 1)
        listed[path] = digest
    assert set(listed) == FILES[name] - {"SHA256SUMS"}
    for path, digest in listed.items():
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest, path


@pytest.mark.parametrize("name", sorted(FILES))
def test_regenerating_gives_the_committed_expectations(regenerated: Path, name: str) -> None:
    fresh, committed = load_expected(regenerated / name), load_expected(COMMITTED / name)
    if name == "nsfw-tiny":
        np.testing.assert_allclose(fresh["scores"], committed["scores"], atol=1e-6)
    else:
        for run in ("greedy", "beam"):
            assert fresh[run]["sequences"] == committed[run]["sequences"]
            assert fresh[run]["text"] == committed[run]["text"]


def test_classifier_onnx_scores_match_expected() -> None:
    folder = COMMITTED / "nsfw-tiny"
    expected = load_expected(folder)
    session = ort.InferenceSession(str(folder / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    (logits,) = session.run(["logits"], {"pixel_values": reference_pixels(expected["input"]["shape"])})
    scores = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(scores, expected["scores"], atol=1e-4)
    config = json.loads((folder / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(5)] == ["drawings", "hentai", "neutral", "porn", "sexy"]


def greedy(expected: dict, first_step, next_step) -> np.ndarray:
    """Greedy decoding as the TS operator does it: argmax of the last position's logits;
    finished rows get pad; stop when every row has emitted EOS or after max_new_tokens."""
    batch = expected["input"]["shape"][0]
    ids = np.full((batch, 1), expected["decoder_start_token_id"], dtype=np.int64)
    finished = np.zeros(batch, dtype=bool)
    logits = first_step(ids)
    for _ in range(expected["greedy"]["max_new_tokens"]):
        next_ids = np.where(finished, expected["pad_token_id"], logits[:, -1].argmax(axis=-1))
        ids = np.concatenate([ids, next_ids[:, None]], axis=1)
        finished |= next_ids == expected["eos_token_id"]
        if finished.all():
            break
        logits = next_step(ids)
    return ids


@pytest.fixture(scope="module")
def captioner() -> tuple[dict, dict, np.ndarray]:
    folder = COMMITTED / "caption-tiny"
    expected = load_expected(folder)
    options = {"providers": ["CPUExecutionProvider"]}
    sessions = {
        name: ort.InferenceSession(str(folder / "onnx" / f"{name}.onnx"), **options)
        for name in ("encoder_model", "decoder_model", "decoder_with_past_model")
    }
    pixels = reference_pixels(expected["input"]["shape"])
    (hidden,) = sessions["encoder_model"].run(["last_hidden_state"], {"pixel_values": pixels})
    return expected, sessions, hidden


def test_captioner_greedy_without_cache_reproduces_generate(captioner) -> None:
    """decoder_model.onnx alone: rerun the whole prefix each step."""
    expected, sessions, hidden = captioner

    def step(ids: np.ndarray) -> np.ndarray:
        return sessions["decoder_model"].run(["logits"], {"input_ids": ids, "encoder_hidden_states": hidden})[0]

    ids = greedy(expected, step, step)
    assert ids.tolist() == expected["greedy"]["sequences"]
    tokenizer = Tokenizer.from_file(str(COMMITTED / "caption-tiny" / "tokenizer.json"))
    assert tokenizer.decode_batch(ids.tolist(), skip_special_tokens=True) == expected["greedy"]["text"]


def test_captioner_greedy_with_cache_reproduces_generate(captioner) -> None:
    """decoder_model.onnx for the start token, then decoder_with_past_model.onnx one token at a
    time, feeding each step's present.* back as past_key_values.*."""
    expected, sessions, hidden = captioner
    with_past = sessions["decoder_with_past_model"]
    past_names = [i.name for i in with_past.get_inputs() if i.name.startswith("past_key_values.")]
    present_names = [name.replace("past_key_values.", "present.") for name in past_names]
    cache: dict[str, np.ndarray] = {}

    def first(ids: np.ndarray) -> np.ndarray:
        logits, *presents = sessions["decoder_model"].run(
            ["logits", *present_names], {"input_ids": ids, "encoder_hidden_states": hidden}
        )
        cache.update(zip(past_names, presents))
        return logits

    def following(ids: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids[:, -1:], "encoder_hidden_states": hidden, **cache}
        logits, *presents = with_past.run(["logits", *present_names], feeds)
        cache.update(zip(past_names, presents))
        return logits

    assert len(past_names) == 4
    assert greedy(expected, first, following).tolist() == expected["greedy"]["sequences"]
