"""The connector: shapes, masks, and parity with transformers' Idefics2Connector."""
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import Idefics2Config
from transformers.models.idefics2.modeling_idefics2 import Idefics2Connector

from resampler.model import ConnectorDims, build_connector, forward_flops


def tiny_config(**perceiver) -> Idefics2Config:
    return Idefics2Config(
        vision_config={"hidden_size": 24},
        perceiver_config={
            "hidden_size": 32,
            "resampler_n_latents": 5,
            "resampler_depth": 2,
            "resampler_n_heads": 4,
            "resampler_head_dim": 8,
            "num_key_value_heads": 2,
            **perceiver,
        },
        text_config={"model_type": "llama", "hidden_size": 32, "intermediate_size": 48,
                     "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 50},
    )


def padded_mask(batch: int, patches: int) -> torch.Tensor:
    mask = torch.ones(batch, patches, dtype=torch.long)
    mask[1, patches // 2 :] = 0
    return mask


def test_output_shape_is_batch_by_latents_by_text_hidden():
    connector = build_connector(tiny_config().to_dict())
    out = connector(torch.randn(3, 7, 24), torch.ones(3, 7, dtype=torch.long))
    assert out.shape == (3, 5, 32)


def test_masked_patches_do_not_change_the_output():
    torch.manual_seed(0)
    connector = build_connector(tiny_config().to_dict())
    x, mask = torch.randn(3, 8, 24), padded_mask(3, 8)
    changed = x.clone()
    changed[1, 4:] = torch.randn(4, 24) * 100
    torch.testing.assert_close(connector(x, mask), connector(changed, mask), rtol=0, atol=0)
    # …while an unmasked change does change it.
    assert not torch.allclose(connector(x, mask), connector(changed, torch.ones(3, 8)))


def test_a_mask_of_ones_equals_no_mask():
    connector = build_connector(tiny_config().to_dict())
    x = torch.randn(2, 6, 24)
    torch.testing.assert_close(connector(x, torch.ones(2, 6)), connector(x, None))


@pytest.mark.parametrize("kv_heads", [1, 2, 4])
def test_matches_transformers_idefics2_connector_with_identical_weights(kv_heads):
    torch.manual_seed(kv_heads)
    config = tiny_config(num_key_value_heads=kv_heads)
    ours = build_connector(config.to_dict())
    theirs = Idefics2Connector(config)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x, mask = torch.randn(3, 9, 24), padded_mask(3, 9)
    torch.testing.assert_close(ours(x, mask), theirs(x, mask), rtol=1e-5, atol=1e-5)


def test_loads_transformers_weights_strictly():
    config = tiny_config()
    theirs = Idefics2Connector(config)
    for p in theirs.parameters():
        torch.nn.init.normal_(p)
    ours = build_connector(config.to_dict())
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x, mask = torch.randn(2, 5, 24), torch.ones(2, 5, dtype=torch.long)
    torch.testing.assert_close(ours(x, mask), theirs(x, mask), rtol=1e-5, atol=1e-5)


def test_reads_idefics2_dimensions_from_the_default_config():
    dims = ConnectorDims.from_config(Idefics2Config().to_dict())
    assert (dims.n_latents, dims.depth, dims.n_heads, dims.head_dim, dims.n_kv_heads) == (64, 3, 16, 96, 4)
    assert (dims.text_hidden, dims.text_intermediate, dims.rms_norm_eps) == (4096, 14336, 1e-6)


def test_rejects_heads_that_do_not_divide_into_kv_groups():
    bad = tiny_config().to_dict()
    bad["perceiver_config"]["num_key_value_heads"] = 3
    with pytest.raises(ValueError, match="resampler_n_heads=4 is not a multiple of num_key_value_heads=3"):
        build_connector(bad)
    with pytest.raises(ValueError, match="missing or malformed field 'text_config'"):
        build_connector({"vision_config": {"hidden_size": 1}, "perceiver_config": {}})


def test_flop_formula_matches_torch_flop_counter():
    connector = build_connector(tiny_config().to_dict())
    with FlopCounterMode(display=False) as counter:
        connector(torch.randn(1, 9, 24), None)
    dims = ConnectorDims.from_config(tiny_config().to_dict())
    counts = {str(op): n for op, n in counter.get_flop_counts()["Global"].items()}
    sdpa = sum(n for op, n in counts.items() if "scaled_dot_product" in op)
    # Scores and weighted sum: 2 matmuls of latents × (patches + latents) per head and layer.
    core = 2 * dims.depth * 2 * dims.n_latents * (9 + dims.n_latents) * dims.n_heads * dims.head_dim
    assert counts["aten.mm"] == forward_flops(dims, 9) - core
    # Some CUDA builds of torch (2.11+cu130 seen) do not count the CPU flash-attention kernel.
    assert sdpa in (0, core)
