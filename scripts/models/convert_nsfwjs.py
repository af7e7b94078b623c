#!/usr/bin/env python3
"""Converts nsfwjs' MobileNetV2 NSFW classifier (GantMan's model, MIT, as shipped in the npm
package `nsfwjs`) from TensorFlow.js to ONNX, in the folder layout `model.classify` loads
(docs/models.md, "The default NSFW model").

    python3 -m venv /tmp/tfconv
    /tmp/tfconv/bin/pip install -r scripts/models/convert-nsfwjs-requirements.txt
    /tmp/tfconv/bin/pip install --no-deps tensorflowjs==4.22.0
    /tmp/tfconv/bin/python scripts/models/convert_nsfwjs.py          # rewrites models/nsfw-mobilenet-v2
    npm run check:nsfwjs                                              # scores vs nsfwjs' own TF.js run

Steps: the npm package's bundles → a TF.js layers model (scripts/models/nsfwjs-extract.ts) →
Keras (tensorflowjs) → the last Dense layer's softmax removed, so the graph outputs `logits`
as the classifier operator expects (it applies the softmax) → ONNX (tf2onnx, opset 17, input
transposed to NCHW `pixel_values` [batch, 3, 224, 224], output `logits` [batch, 5]). nsfwjs
ships the weights quantised to uint8; tensorflowjs dequantises them as TF.js does, and the
batch-norm layers are folded into the convolutions, so the graph holds float32 weights
(~9 MB). The script fails unless onnxruntime's softmax(logits) equals the Keras model's own
output to 1e-5.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parent.parent
sys.path.insert(0, str(SCRIPT_DIR))
DEFAULT_OUT = REPO_ROOT / "models" / "nsfw-mobilenet-v2"

# nsfwjs' NSFW_CLASSES, in output order, named as GantMan's training folders.
LABELS = ["drawings", "hentai", "neutral", "porn", "sexy"]
SIZE = 224
MAX_ABS_DIFF = 1e-5

MODEL_CARD = """# nsfw-mobilenet-v2

GantMan's NSFW classifier (MobileNetV2, 224×224), as shipped in the npm package
`nsfwjs@{version}` (`dist/models/mobilenet_v2`), converted from TensorFlow.js to ONNX by
`scripts/models/convert_nsfwjs.py`; licence: MIT (LICENSE, Infinite Red, Inc.).

- input `pixel_values` float32 [batch, 3, 224, 224]: RGB / 255, no mean/std (as nsfwjs);
- output `logits` float32 [batch, 5]: labels drawings, hentai, neutral, porn, sexy; softmax
  gives nsfwjs' probabilities (the converter removed the model's final softmax);
- onnxruntime vs the Keras model on random inputs: max abs diff {diff:.1e};
  vs nsfwjs' own TF.js run: `npm run check:nsfwjs` (docs/models.md).
"""


def extract_tfjs(into: Path) -> tuple[Path, str]:
    subprocess.run(
        ["node", "--import", "tsx", str(SCRIPT_DIR / "nsfwjs-extract.ts"), str(into)],
        cwd=REPO_ROOT,
        check=True,
    )
    return into / "model.json", (into / "nsfwjs-version.txt").read_text().strip()


def import_tfjs_loader():
    """tensorflowjs' loader for TF.js layers models. The package's __init__ also imports its
    SavedModel and JAX converters, which need tensorflow_decision_forests and jax (hundreds of
    MB, neither used here): empty stand-ins let the import through, and the Keras loader never
    touches them."""
    import types

    for name in ("tensorflow_decision_forests", "jax", "jax.experimental", "jax.experimental.jax2tf"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["jax.experimental"].jax2tf = sys.modules["jax.experimental.jax2tf"]
    from tensorflowjs.converters import keras_tfjs_loader

    return keras_tfjs_loader


def to_keras_logits(model_json: Path):
    import tf_keras

    keras_tfjs_loader = import_tfjs_loader()

    model = keras_tfjs_loader.load_keras_model(str(model_json), use_unique_name_scope=False)
    probabilities = model
    last = model.layers[-1]
    if last.get_config().get("activation") != "softmax":
        raise SystemExit(f"expected a softmax output layer, got {last.get_config()}")
    logits = tf_keras.models.clone_model(model)
    logits.set_weights(model.get_weights())
    logits.layers[-1].activation = tf_keras.activations.linear
    return probabilities, logits


def to_onnx(keras_model, path: Path) -> None:
    import tensorflow as tf
    import tf2onnx

    spec = (tf.TensorSpec((None, SIZE, SIZE, 3), tf.float32, name="pixel_values"),)
    model_proto, _ = tf2onnx.convert.from_keras(
        keras_model, input_signature=spec, opset=17, inputs_as_nchw=["pixel_values"]
    )
    import onnx

    graph = model_proto.graph
    old = graph.output[0].name
    for node in graph.node:
        node.output[:] = ["logits" if o == old else o for o in node.output]
    graph.output[0].name = "logits"
    for value in (graph.input[0], graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model_proto, str(path))


def check(path: Path, keras_probabilities) -> float:
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    nhwc = rng.random((3, SIZE, SIZE, 3), dtype=np.float32)
    expected = keras_probabilities.predict(nhwc, verbose=0)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (logits,) = session.run(["logits"], {"pixel_values": nhwc.transpose(0, 3, 1, 2).copy()})
    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    got = exps / exps.sum(axis=1, keepdims=True)
    worst = float(np.max(np.abs(got - expected)))
    print(f"softmax(onnx logits) vs keras (nsfwjs' softmax output): max abs diff {worst:.3e}")
    if worst > MAX_ABS_DIFF:
        raise SystemExit(f"max abs diff {worst} > {MAX_ABS_DIFF}")
    return worst


def write_folder(out: Path, version: str, diff: float) -> None:
    from model_folder import write_json, write_sha256sums

    write_json(
        out / "config.json",
        {
            "architectures": ["MobileNetV2"],
            "model_type": "nsfwjs-mobilenet-v2",
            "id2label": {str(i): label for i, label in enumerate(LABELS)},
            "label2id": {label: i for i, label in enumerate(LABELS)},
            "source": f"npm nsfwjs@{version} (dist/models/mobilenet_v2), converted by scripts/models/convert_nsfwjs.py",
            "onnx_max_abs_diff_vs_keras": diff,
        },
    )
    # nsfwjs divides the RGB bytes by 255 and resizes bilinearly to 224×224; no mean/std.
    write_json(
        out / "preprocessor_config.json",
        {
            "image_processor_type": "ViTImageProcessor",
            "do_resize": True,
            "size": {"height": SIZE, "width": SIZE},
            "resample": 2,
            "do_rescale": True,
            "rescale_factor": 1 / 255,
            "do_normalize": False,
        },
    )
    (out / "README.md").write_text(MODEL_CARD.format(version=version, diff=diff))
    write_sha256sums(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    out: Path = args.out
    with tempfile.TemporaryDirectory() as tmp:
        model_json, version = extract_tfjs(Path(tmp) / "tfjs")
        probabilities, logits = to_keras_logits(model_json)
        if out.exists():
            shutil.rmtree(out)
        onnx_path = out / "onnx" / "model.onnx"
        to_onnx(logits, onnx_path)
        diff = check(onnx_path, probabilities)
    shutil.copy(REPO_ROOT / "node_modules" / "nsfwjs" / "LICENSE", out / "LICENSE")
    write_folder(out, version, diff)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
