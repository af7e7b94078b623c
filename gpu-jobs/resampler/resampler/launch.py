"""
How `python -m resampler.train …` (the Batch command) becomes several processes: on a node with
several GPUs, torchrun with one process per GPU; in an AWS Batch multi-node parallel job
(AWS_BATCH_JOB_NUM_NODES > 1), torchrun on every node with a static rendezvous at the main
node's address, which Batch gives the other nodes as AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS.
"""
from __future__ import annotations

import socket
import sys
from typing import Mapping

DEFAULT_PORT = 29500


def relaunch_command(gpus: int, env: Mapping[str, str], args: list[str]) -> list[str] | None:
    """The torchrun command to run instead, or None to train in this process."""
    if "LOCAL_RANK" in env:
        return None  # already one of torchrun's workers
    nodes = int(env.get("AWS_BATCH_JOB_NUM_NODES", "1"))
    per_node = max(gpus, 1)
    if nodes <= 1 and gpus <= 1:
        return None
    torchrun = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={per_node}"]
    if nodes <= 1:
        rendezvous = ["--standalone"]
    else:
        node = int(env["AWS_BATCH_JOB_NODE_INDEX"])
        main = int(env.get("AWS_BATCH_JOB_MAIN_NODE_INDEX", "0"))
        # Batch sets the main node's address on the other nodes only; the main node hosts the store.
        address = env.get("AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS") if node != main else None
        address = address or socket.gethostbyname(socket.gethostname())
        rank = 0 if node == main else node + 1 if node < main else node  # the main node is rank 0
        rendezvous = [f"--nnodes={nodes}", f"--node_rank={rank}", f"--master_addr={address}",
                      f"--master_port={env.get('MASTER_PORT', DEFAULT_PORT)}"]
    return [*torchrun, *rendezvous, "-m", "resampler.train", *args]
