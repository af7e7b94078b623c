"""The captioner fixture: a VisionEncoderDecoderModel (ViT encoder + GPT-2 decoder, the
vit-gpt2-image-captioning architecture) with random weights, a word-level tokenizer, and the
encoder/decoder ONNX graphs in optimum's layout (decoders: fixture_decoder.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
    ViTModel,
    VisionEncoderDecoderModel,
)

from fixture_common import (
    EXPECTED_BATCH,
    PIXEL_FORMULA,
    check_onnx,
    export_onnx,
    reference_pixels,
    write_json,
)
from fixture_decoder import export_decoders
from fixture_image import save_vit_processor, vit_config

WORDS_FILE = Path(__file__).with_name("caption_words.txt")
PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
EXPECTED_MAX_NEW_TOKENS = 12
EXPECTED_BEAMS = 3


@dataclass(frozen=True)
class CaptionerDims:
    image_size: int
    patch_size: int
    hidden: int
    encoder_layers: int
    decoder_layers: int
    heads: int
    max_positions: int
    # Std of the random weights. The fixture uses 0.5, wider than GPT-2's 0.02, with an untied
    # lm_head (below): with the defaults a random decoder just repeats its input token, so
    # every caption is one word over and over.
    init_range: float


def build_tokenizer() -> PreTrainedTokenizerFast:
    """Word-level, so every id decodes to a whole word: random weights still give captions
    made of words. Metaspace marks word starts so decode() restores the spaces, in Python
    and in @huggingface/tokenizers alike."""
    words = [w for w in WORDS_FILE.read_text().split("\n") if w and not w.startswith("#")]
    tokenizer = Tokenizer(models.WordLevel(unk_token=UNK))
    # WhitespaceSplit first: the JS Metaspace pre-tokenizer ignores `split`, so splitting on
    # spaces separately keeps encode() identical in both libraries.
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.WordLevelTrainer(special_tokens=[PAD, BOS, EOS, UNK], min_frequency=1)
    tokenizer.train_from_iterator(words, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token=PAD, bos_token=BOS, eos_token=EOS, unk_token=UNK
    )


def build_model(dims: CaptionerDims, vocab_size: int, tok: PreTrainedTokenizerFast, seed: int):
    torch.manual_seed(seed)
    encoder = vit_config(
        dims.image_size, dims.patch_size, dims.hidden, dims.encoder_layers, dims.heads, dims.init_range
    )
    decoder = GPT2Config(
        vocab_size=vocab_size,
        n_positions=dims.max_positions,
        n_embd=dims.hidden,
        n_layer=dims.decoder_layers,
        n_head=dims.heads,
        add_cross_attention=True,
        is_decoder=True,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        attn_implementation="eager",
        tie_word_embeddings=False,
        initializer_range=dims.init_range,
    )
    # Eager attention builds its causal mask from the runtime shapes; sdpa's traced is_causal
    # flag would be frozen into the graph.
    model = VisionEncoderDecoderModel(
        encoder=ViTModel(encoder, add_pooling_layer=False),
        decoder=GPT2LMHeadModel(decoder),
    )
    model.config.decoder_start_token_id = tok.bos_token_id
    model.config.pad_token_id = tok.pad_token_id
    model.config.eos_token_id = tok.eos_token_id
    model.generation_config.decoder_start_token_id = tok.bos_token_id
    model.generation_config.bos_token_id = tok.bos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.max_length = dims.max_positions
    return model.eval()


class _Encoder(torch.nn.Module):
    def __init__(self, model: VisionEncoderDecoderModel):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.encoder(pixel_values=pixel_values).last_hidden_state


def export_captioner(model: VisionEncoderDecoderModel, folder: Path, image_size: int) -> dict:
    pixels = reference_pixels(EXPECTED_BATCH, image_size, image_size)
    encoder = _Encoder(model).eval()
    encoder_path = folder / "onnx" / "encoder_model.onnx"
    export_onnx(
        encoder,
        (pixels,),
        ["pixel_values"],
        ["last_hidden_state"],
        {"pixel_values": {0: "batch"}, "last_hidden_state": {0: "batch"}},
        encoder_path,
    )
    # Checked at batch 3 while exported at batch 2: proves the batch axis is dynamic.
    check_pixels = reference_pixels(3, image_size, image_size)
    encoder_diff = check_onnx(
        encoder_path,
        {"pixel_values": check_pixels.numpy()},
        lambda: [encoder(check_pixels)],
        "encoder",
    )
    with torch.no_grad():
        hidden = encoder(pixels)
        check_hidden = encoder(check_pixels)
    return {"encoder_model.onnx": encoder_diff} | export_decoders(
        model.decoder, hidden, check_hidden, folder / "onnx"
    )


def _generated(sequences: torch.Tensor, eos: int) -> list[list[int]]:
    """New tokens per item, up to (not including) the first EOS."""
    rows = []
    for row in sequences[:, 1:].tolist():
        rows.append(row[: row.index(eos)] if eos in row else row)
    return rows


def greedy_margin(model: VisionEncoderDecoderModel, pixels: torch.Tensor, sequences: torch.Tensor) -> float:
    """Smallest top-1 minus top-2 logit gap along the greedy path: a large gap means float
    noise between onnxruntime and PyTorch cannot flip an argmax."""
    with torch.no_grad():
        logits = model(pixel_values=pixels, decoder_input_ids=sequences[:, :-1]).logits
    top2 = logits.topk(2, dim=-1).values
    return float((top2[..., 0] - top2[..., 1]).min())


def expected_captions(
    model: VisionEncoderDecoderModel, tok: PreTrainedTokenizerFast, image_size: int
) -> dict:
    pixels = reference_pixels(EXPECTED_BATCH, image_size, image_size)
    eos = tok.eos_token_id
    runs = {}
    for name, beams in (("greedy", 1), ("beam", EXPECTED_BEAMS)):
        with torch.no_grad():
            sequences = model.generate(
                pixels, max_new_tokens=EXPECTED_MAX_NEW_TOKENS, do_sample=False, num_beams=beams
            )
        tokens = _generated(sequences, eos)
        runs[name] = {
            "num_beams": beams,
            "max_new_tokens": EXPECTED_MAX_NEW_TOKENS,
            "sequences": sequences.tolist(),
            "tokens": tokens,
            "text": tok.batch_decode(sequences, skip_special_tokens=True),
        }
        if name == "greedy":
            runs[name]["min_logit_margin"] = greedy_margin(model, pixels, sequences)
    return {
        "input": {"formula": PIXEL_FORMULA, "shape": list(pixels.shape), "dtype": "float32"},
        "decoder_start_token_id": tok.bos_token_id,
        "eos_token_id": eos,
        "pad_token_id": tok.pad_token_id,
        **runs,
    }


def write_captioner(folder: Path, dims: CaptionerDims, seed: int) -> dict:
    tok = build_tokenizer()
    model = build_model(dims, len(tok), tok, seed)
    folder.mkdir(parents=True, exist_ok=True)
    diffs = export_captioner(model, folder, dims.image_size)
    # save_pretrained writes config.json, generation_config.json and the safetensors weights;
    # the weights are not part of the layout (and would double the size), so they go.
    model.save_pretrained(str(folder))
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    tok.save_pretrained(str(folder))
    save_vit_processor(folder, dims.image_size)
    expected = expected_captions(model, tok, dims.image_size)
    expected["onnx_max_abs_diff"] = diffs
    write_json(folder / "expected.json", expected)
    return expected
