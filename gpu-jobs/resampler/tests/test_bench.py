"""The whole-step benchmark also runs on CPU (tiny dims) and says it is not a GPU figure."""
import contextlib
import json

import torch
from torch.utils.flop_counter import FlopCounterMode

from resampler.bench import TINY, batch_of, build, main, peak_tflops


def test_prints_json_and_labels_a_cpu_run(capsys):
    main(["--batch", "2", "--steps", "1", "--warmup", "0", "--text-tokens", "8"])
    result = json.loads(capsys.readouterr().out)
    if not torch.cuda.is_available():
        assert result["gpu"] is False and result["mfu"] is None
        assert "not a GPU figure" in result["note"]
    assert result["samples_per_second"] > 0 and result["gradient_checkpointing"] is True
    assert result["trainable_parameters"] < result["parameters"]


def test_step_flops_count_the_frozen_towers_forward_and_the_backward_into_the_latents():
    from resampler.bench import step_flops

    model = build(TINY, torch.device("cpu"), gpu=False)
    inputs = batch_of(TINY, model, 1, 8, torch.device("cpu"))
    with FlopCounterMode(display=False) as forward:
        model(**inputs, use_cache=False)
    whole = step_flops(model, TINY, 8, torch.device("cpu"), contextlib.nullcontext)
    # Backward costs more than nothing (LM into the latents, connector weights) and less than
    # the 2× forward of a fully trained model: the towers compute no weight gradients.
    assert forward.get_total_flops() * 1.3 < whole < forward.get_total_flops() * 3


def test_peak_table_matches_device_names():
    assert peak_tflops("NVIDIA H100 80GB HBM3") == 989.5
    assert peak_tflops("NVIDIA H100 PCIe") == 756.0
    assert peak_tflops("NVIDIA H200") == 989.5
    assert peak_tflops("NVIDIA A100-SXM4-80GB") == 312.0
    assert peak_tflops("NVIDIA A10G") == 125.0
    assert peak_tflops("NVIDIA L4") == 121.0
    assert peak_tflops("Tesla T4") is None


def test_the_loader_benchmark_reports_a_rate_and_its_decode_baseline():
    from resampler.bench_loader import run

    result = run(images=4, width=120, height=90, batch=2, split=False)
    assert result["samples"] == 4 and result["samples_per_second_per_worker"] > 0
    assert 0 < result["ratio_loader_to_decode"]
