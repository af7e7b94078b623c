"""The captioner's decoder graphs in optimum's older layout:
- onnx/decoder_model.onnx: input_ids [b,seq] + encoder_hidden_states → logits [b,seq,vocab]
  and present.{i}.key/value [b,heads,seq,head_dim] (the self-attention cache);
- onnx/decoder_with_past_model.onnx: input_ids [b,1] + encoder_hidden_states +
  past_key_values.{i}.key/value [b,heads,past,head_dim] → logits [b,1,vocab] and
  present.{i}.key/value [b,heads,past+1,head_dim].
Cross-attention keys/values are not cached: both graphs recompute them from
encoder_hidden_states (cheap next to the encoder, and it keeps the inputs few)."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import DynamicCache, GPT2LMHeadModel

from fixture_common import check_onnx, export_onnx


def _flat_presents(cache, layers: int) -> list[torch.Tensor]:
    self_attention = cache.self_attention_cache
    layer_caches = [self_attention.layers[i] for i in range(layers)]
    return [t for layer in layer_caches for t in (layer.keys, layer.values)]


class _DecoderNoPast(torch.nn.Module):
    def __init__(self, decoder: GPT2LMHeadModel):
        super().__init__()
        self.decoder = decoder
        self.layers = decoder.config.n_layer

    def forward(self, input_ids: torch.Tensor, encoder_hidden_states: torch.Tensor):
        # An all-ones mask is what generate() implies; passing it explicitly keeps transformers
        # off its packed-sequence check (torch.diff), which the ONNX exporter cannot translate.
        out = self.decoder(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            encoder_hidden_states=encoder_hidden_states,
            use_cache=True,
        )
        return (out.logits, *_flat_presents(out.past_key_values, self.layers))


class _DecoderWithPast(torch.nn.Module):
    def __init__(self, decoder: GPT2LMHeadModel):
        super().__init__()
        self.decoder = decoder
        self.layers = decoder.config.n_layer

    def forward(self, input_ids: torch.Tensor, encoder_hidden_states: torch.Tensor, *past: torch.Tensor):
        cache = DynamicCache(config=self.decoder.config)
        for i in range(self.layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        # Positions and mask from tensor shapes, so the traced graph follows the past length.
        past_length = past[0].shape[2]
        positions = (torch.arange(input_ids.shape[1]) + past_length).unsqueeze(0)
        mask = torch.ones(input_ids.shape[0], past_length + input_ids.shape[1], dtype=torch.int64)
        out = self.decoder(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=positions,
            encoder_hidden_states=encoder_hidden_states,
            cache=cache,
            use_cache=True,
        )
        return (out.logits, *_flat_presents(out.past_key_values, self.layers))


def _cache_names(prefix: str, layers: int) -> list[str]:
    return [f"{prefix}.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]


def export_decoders(
    decoder: GPT2LMHeadModel, hidden: torch.Tensor, check_hidden: torch.Tensor, onnx_dir: Path
) -> dict:
    """Exports at batch 2 with a 3-token prefix; checks at batch 3 with a 5-token prefix (and a
    5-token past) so the dynamic axes are proven, not assumed."""
    layers = decoder.config.n_layer
    presents = _cache_names("present", layers)
    pasts = _cache_names("past_key_values", layers)
    no_past, with_past = _DecoderNoPast(decoder).eval(), _DecoderWithPast(decoder).eval()

    ids = torch.tensor([[1, 5, 6], [1, 7, 8]])
    no_past_path = onnx_dir / "decoder_model.onnx"
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "encoder_hidden_states": {0: "batch"}}
    axes["logits"] = {0: "batch", 1: "sequence"}
    axes |= {name: {0: "batch", 2: "sequence"} for name in presents}
    inputs = ["input_ids", "encoder_hidden_states"]
    export_onnx(no_past, (ids, hidden), inputs, ["logits", *presents], axes, no_past_path)
    longer = torch.tensor([[1, 9, 10, 11, 12], [1, 13, 14, 15, 16], [1, 2, 0, 0, 0]])
    feeds = {"input_ids": longer.numpy(), "encoder_hidden_states": check_hidden.numpy()}
    no_past_diff = check_onnx(no_past_path, feeds, lambda: no_past(longer, check_hidden), "decoder")

    with torch.no_grad():
        past = no_past(ids, hidden)[1:]
        check_past = no_past(longer, check_hidden)[1:]
    next_ids, check_next_ids = torch.tensor([[9], [10]]), torch.tensor([[11], [12], [13]])
    with_past_path = onnx_dir / "decoder_with_past_model.onnx"
    axes = {"input_ids": {0: "batch"}, "encoder_hidden_states": {0: "batch"}, "logits": {0: "batch"}}
    axes |= {name: {0: "batch", 2: "past_sequence"} for name in pasts}
    axes |= {name: {0: "batch", 2: "past_sequence + 1"} for name in presents}
    export_onnx(
        with_past,
        (next_ids, hidden, *past),
        ["input_ids", "encoder_hidden_states", *pasts],
        ["logits", *presents],
        axes,
        with_past_path,
    )
    feeds = {"input_ids": check_next_ids.numpy(), "encoder_hidden_states": check_hidden.numpy()}
    feeds |= {name: t.numpy() for name, t in zip(pasts, check_past, strict=True)}
    with_past_diff = check_onnx(
        with_past_path, feeds, lambda: with_past(check_next_ids, check_hidden, *check_past), "decoder_with_past"
    )
    # The cached step must give what recomputing the whole prefix gives.
    with torch.no_grad():
        cached = with_past(check_next_ids, check_hidden, *check_past)[0][:, -1]
        full = no_past(torch.cat([longer, check_next_ids], dim=1), check_hidden)[0][:, -1]
    cache_diff = float((cached - full).abs().max())
    print(f"decoder_with_past: max abs diff cached step vs full prefix = {cache_diff:.3e}")
    if cache_diff > 1e-4:
        raise SystemExit(f"decoder_with_past: cached step differs from full prefix by {cache_diff}")
    return {"decoder_model.onnx": no_past_diff, "decoder_with_past_model.onnx": with_past_diff}
