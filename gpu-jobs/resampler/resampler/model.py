"""
The connector of an Idefics2-style VLM: a SwiGLU modality projection (vision hidden → text
intermediate → text hidden) followed by a Perceiver Resampler that pools the patch tokens into
a fixed number of learned latents (Laurençon et al., 2024).

Module and parameter names follow transformers' `Idefics2Connector` so that a state dict saved
from here loads with `strict=True` there, and the other way round.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

_ACTIVATIONS = {"silu": F.silu, "gelu": F.gelu, "relu": F.relu}


@dataclass(frozen=True)
class ConnectorDims:
    vision_hidden: int
    text_hidden: int
    text_intermediate: int
    projection_act: str
    n_latents: int
    depth: int
    n_heads: int
    head_dim: int
    n_kv_heads: int
    rms_norm_eps: float
    resampler_act: str

    @staticmethod
    def from_config(config: Mapping[str, Any]) -> "ConnectorDims":
        """Reads an `Idefics2Config.to_dict()`-shaped dict (vision/perceiver/text sub-dicts)."""
        try:
            vision, perceiver, text = (
                config["vision_config"],
                config["perceiver_config"],
                config["text_config"],
            )
            text_hidden = int(text["hidden_size"])
            # Idefics2Config overrides the perceiver's width (and then its eps) with the text
            # model's: the resampler's output feeds the language model directly.
            eps = float(perceiver.get("rms_norm_eps", 1e-6))
            if int(perceiver.get("hidden_size", text_hidden)) != text_hidden:
                eps = float(text.get("rms_norm_eps", eps))
            dims = ConnectorDims(
                vision_hidden=int(vision["hidden_size"]),
                text_hidden=text_hidden,
                text_intermediate=int(text["intermediate_size"]),
                projection_act=str(text.get("hidden_act", "silu")),
                n_latents=int(perceiver.get("resampler_n_latents", 64)),
                depth=int(perceiver.get("resampler_depth", 3)),
                n_heads=int(perceiver.get("resampler_n_heads", 16)),
                head_dim=int(perceiver.get("resampler_head_dim", 96)),
                n_kv_heads=int(perceiver.get("num_key_value_heads", 4)),
                rms_norm_eps=eps,
                resampler_act=str(perceiver.get("hidden_act", "silu")),
            )
        except (KeyError, TypeError) as e:
            raise ValueError(f"connector config: missing or malformed field {e}") from e
        if dims.n_heads % dims.n_kv_heads != 0:
            raise ValueError(
                f"connector config: resampler_n_heads={dims.n_heads} is not a multiple of "
                f"num_key_value_heads={dims.n_kv_heads}"
            )
        for act in (dims.projection_act, dims.resampler_act):
            if act not in _ACTIVATIONS:
                raise ValueError(f"connector config: unsupported activation {act!r}")
        return dims


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Statistics in fp32 even under bf16 autocast, as in Llama/Idefics2.
        dtype = x.dtype
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(dtype)


class SwiGLU(nn.Module):
    def __init__(self, size_in: int, size_hidden: int, size_out: int, act: str) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(size_in, size_hidden, bias=False)
        self.up_proj = nn.Linear(size_in, size_hidden, bias=False)
        self.down_proj = nn.Linear(size_hidden, size_out, bias=False)
        self.act = _ACTIVATIONS[act]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act(self.gate_proj(x)) * self.up_proj(x))


class LatentAttention(nn.Module):
    """Queries from the latents; keys and values from [context; latents]; not causal."""

    def __init__(self, d: ConnectorDims) -> None:
        super().__init__()
        self.n_heads, self.head_dim, self.n_kv_heads = d.n_heads, d.head_dim, d.n_kv_heads
        self.q_proj = nn.Linear(d.text_hidden, d.n_heads * d.head_dim, bias=False)
        self.k_proj = nn.Linear(d.text_hidden, d.n_kv_heads * d.head_dim, bias=False)
        self.v_proj = nn.Linear(d.text_hidden, d.n_kv_heads * d.head_dim, bias=False)
        self.o_proj = nn.Linear(d.n_heads * d.head_dim, d.text_hidden, bias=False)

    def forward(
        self, latents: torch.Tensor, context: torch.Tensor, mask: torch.Tensor | None
    ) -> torch.Tensor:
        batch, n_q, _ = latents.shape
        kv_in = torch.cat([context, latents], dim=1)
        q = self.q_proj(latents).view(batch, n_q, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(kv_in).view(batch, -1, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(kv_in).view(batch, -1, self.n_kv_heads, self.head_dim).transpose(1, 2)
        # Grouped-query attention: query head h reads key/value head h // group. The explicit
        # repeat keeps SDPA's fused kernels available with a mask (enable_gqa narrows them).
        group = self.n_heads // self.n_kv_heads
        if group > 1:
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.head_dim**-0.5)
        return self.o_proj(out.transpose(1, 2).reshape(batch, n_q, self.n_heads * self.head_dim))


class PerceiverLayer(nn.Module):
    def __init__(self, d: ConnectorDims) -> None:
        super().__init__()
        self.input_latents_norm = RMSNorm(d.text_hidden, d.rms_norm_eps)
        self.input_context_norm = RMSNorm(d.text_hidden, d.rms_norm_eps)
        self.self_attn = LatentAttention(d)
        self.post_attention_layernorm = RMSNorm(d.text_hidden, d.rms_norm_eps)
        self.mlp = SwiGLU(d.text_hidden, 4 * d.text_hidden, d.text_hidden, d.resampler_act)

    def forward(
        self, latents: torch.Tensor, context: torch.Tensor, mask: torch.Tensor | None
    ) -> torch.Tensor:
        latents = latents + self.self_attn(
            self.input_latents_norm(latents), self.input_context_norm(context), mask
        )
        return latents + self.mlp(self.post_attention_layernorm(latents))


class PerceiverResampler(nn.Module):
    def __init__(self, d: ConnectorDims) -> None:
        super().__init__()
        self.latents = nn.Parameter(torch.empty(d.n_latents, d.text_hidden))
        self.layers = nn.ModuleList(PerceiverLayer(d) for _ in range(d.depth))
        self.norm = RMSNorm(d.text_hidden, d.rms_norm_eps)

    def forward(self, context: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        batch = context.shape[0]
        latents = self.latents.unsqueeze(0).expand(batch, -1, -1)
        mask = None
        if attention_mask is not None:
            # Patch mask, then ones for the latents (always visible); True = attend.
            keep = torch.cat(
                [attention_mask.bool(), attention_mask.new_ones(batch, latents.shape[1]).bool()],
                dim=1,
            )
            mask = keep[:, None, None, :]
        for layer in self.layers:
            latents = layer(latents, context, mask)
        return self.norm(latents)


class Connector(nn.Module):
    """`forward(image_hidden_states [B, P, vision_hidden], attention_mask [B, P])` → [B, latents, text_hidden]."""

    def __init__(self, dims: ConnectorDims) -> None:
        super().__init__()
        self.dims = dims
        self.modality_projection = SwiGLU(
            dims.vision_hidden, dims.text_intermediate, dims.text_hidden, dims.projection_act
        )
        self.perceiver_resampler = PerceiverResampler(dims)
        self.reset_parameters()

    def reset_parameters(self, std: float = 0.02) -> None:
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=std)
            elif isinstance(module, RMSNorm):
                nn.init.ones_(module.weight)
        # Random latents, not transformers' ones: identical latents would get identical
        # gradients and never differ, so the resampler would learn a single token 64 times.
        nn.init.normal_(self.perceiver_resampler.latents, std=1.0 / math.sqrt(self.dims.text_hidden))

    def forward(
        self, image_hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        context = self.modality_projection(image_hidden_states)
        return self.perceiver_resampler(context, attention_mask)


def build_connector(config: Mapping[str, Any]) -> Connector:
    """The connector for an `Idefics2Config.to_dict()`-shaped config."""
    return Connector(ConnectorDims.from_config(config))


def forward_flops(d: ConnectorDims, patches: int) -> int:
    """Matmul FLOPs of one image's forward pass (2 per multiply-add)."""
    kv = patches + d.n_latents
    # gate and up: vision → intermediate; down: intermediate → text
    projection = patches * (
        2 * d.vision_hidden * d.text_intermediate + d.text_intermediate * d.text_hidden
    )
    attention = (
        d.n_latents * d.text_hidden * d.n_heads * d.head_dim  # q
        + 2 * kv * d.text_hidden * d.n_kv_heads * d.head_dim  # k, v
        + 2 * d.n_latents * kv * d.n_heads * d.head_dim  # scores and weighted sum
        + d.n_latents * d.n_heads * d.head_dim * d.text_hidden  # o
    )
    mlp = d.n_latents * 3 * d.text_hidden * 4 * d.text_hidden
    return 2 * (projection + d.depth * (attention + mlp))
