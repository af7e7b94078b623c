"""Several GPUs on a node, and AWS Batch multi-node parallel jobs, become torchrun commands."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from resampler.launch import relaunch_command

JOB_DIR = Path(__file__).resolve().parent.parent
ARGS = ["--manifest", "m.json", "--out", "o"]


def test_one_process_on_one_gpu_or_cpu_and_inside_torchrun():
    assert relaunch_command(1, {}, ARGS) is None
    assert relaunch_command(0, {}, ARGS) is None
    assert relaunch_command(4, {"LOCAL_RANK": "0"}, ARGS) is None


def test_several_gpus_on_one_node_run_standalone():
    command = relaunch_command(4, {}, ARGS)
    assert command[1:5] == ["-m", "torch.distributed.run", "--nproc_per_node=4", "--standalone"]
    assert command[-6:] == ["-m", "resampler.train", *ARGS]


def test_batch_multi_node_jobs_meet_at_the_main_nodes_address():
    child = {"AWS_BATCH_JOB_NUM_NODES": "3", "AWS_BATCH_JOB_NODE_INDEX": "2", "AWS_BATCH_JOB_MAIN_NODE_INDEX": "0",
             "AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS": "10.0.1.5"}
    command = relaunch_command(8, child, ARGS)
    assert ["--nproc_per_node=8", "--nnodes=3", "--node_rank=2", "--master_addr=10.0.1.5", "--master_port=29500"] == \
        command[3:8]
    main = {**child, "AWS_BATCH_JOB_NODE_INDEX": "0"}
    del main["AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS"]  # Batch does not set it on the main node
    assert "--node_rank=0" in relaunch_command(8, main, ARGS)
    # A main node other than index 0 is still rank 0; the others keep their order.
    shifted = {**child, "AWS_BATCH_JOB_MAIN_NODE_INDEX": "1", "AWS_BATCH_JOB_NODE_INDEX": "0"}
    assert "--node_rank=1" in relaunch_command(1, shifted, ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_cpu_nodes_train_as_one_job_over_gloo(manifest_two_shards, train_config, tmp_path):
    """Two `python -m resampler.train` processes with the environment Batch gives two nodes."""
    config = train_config(steps=2, checkpoint_every=1, heldout_samples=0).to_json()
    port = str(free_port())
    base = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "", "MASTER_PORT": port,
            "AWS_BATCH_JOB_NUM_NODES": "2", "AWS_BATCH_JOB_MAIN_NODE_INDEX": "0"}
    nodes = [
        {**base, "AWS_BATCH_JOB_NODE_INDEX": "0"},
        {**base, "AWS_BATCH_JOB_NODE_INDEX": "1", "AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS": "127.0.0.1"},
    ]
    command = [sys.executable, "-m", "resampler.train", "--manifest", manifest_two_shards, "--out", str(tmp_path),
               "--config", config]
    processes = [subprocess.Popen(command, cwd=JOB_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for env in nodes]
    outputs = [p.communicate(timeout=400) for p in processes]
    for p, (_, err) in zip(processes, outputs):
        assert p.returncode == 0, err[-3000:]
    assert sum(out.count("done: 2 steps") for out, _ in outputs) == 1  # global rank 0 reports
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and len(metrics["loss"]) == 2
