"""The GPU benchmark also runs on CPU (tiny dims) and says it is not a GPU figure."""
import json

import torch

from resampler.bench import main, peak_tflops


def test_prints_json_and_labels_a_cpu_run(capsys):
    main(["--batch", "2", "--steps", "1", "--warmup", "0"])
    result = json.loads(capsys.readouterr().out)
    if not torch.cuda.is_available():
        assert result["gpu"] is False and result["mfu"] is None
        assert "not a GPU figure" in result["note"]
    assert result["samples_per_second"] > 0 and result["train_flops_per_sample"] > 0


def test_peak_table_matches_device_names():
    assert peak_tflops("NVIDIA H100 80GB HBM3") == 989.5
    assert peak_tflops("NVIDIA H100 PCIe") == 756.0
    assert peak_tflops("NVIDIA H200") == 989.5
    assert peak_tflops("NVIDIA A100-SXM4-80GB") == 312.0
    assert peak_tflops("NVIDIA A10G") == 125.0
    assert peak_tflops("NVIDIA L4") == 121.0
    assert peak_tflops("Tesla T4") is None
