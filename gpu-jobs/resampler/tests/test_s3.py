"""The job against S3 (moto's S3 server): model folders, shards, checkpoints and the export."""
import json
import os
import threading
from pathlib import Path

import boto3
import pytest

from resampler import storage
from resampler.model_folders import materialise

# moto comes with requirements-test.txt (npm test, CI); a bare GPU machine may not have it.
pytest.importorskip("moto.server")

BUCKET = "vlmflow-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                            "AWS_DEFAULT_REGION")}
    os.environ.update({"AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "test",
                       "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"})
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    server.stop()


def upload_folder(folder: Path, prefix: str) -> str:
    for path in folder.rglob("*"):
        if path.is_file():
            storage.upload_file(f"s3://{BUCKET}/{prefix}/{path.relative_to(folder)}", path)
    return f"s3://{BUCKET}/{prefix}"


def test_large_files_go_up_in_parts(s3_endpoint, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "PART_BYTES", 5 << 20)  # S3's smallest part
    big = tmp_path / "state.pt"
    big.write_bytes(os.urandom(11 << 20))
    storage.upload_file(f"s3://{BUCKET}/big/state.pt", big)
    head = boto3.client("s3").head_object(Bucket=BUCKET, Key="big/state.pt")
    assert head["ETag"].strip('"').endswith("-3")  # a multipart object's ETag counts its parts
    storage.download_file(f"s3://{BUCKET}/big/state.pt", tmp_path / "back.pt")
    assert (tmp_path / "back.pt").read_bytes() == big.read_bytes()


def test_a_read_that_breaks_mid_stream_resumes_at_its_offset(s3_endpoint, monkeypatch):
    from botocore.exceptions import ReadTimeoutError

    data = os.urandom(3 << 20)
    boto3.client("s3").put_object(Bucket=BUCKET, Key="flaky.bin", Body=data)
    real = storage._s3

    class Flaky:
        """A client whose first body dies after 1 MiB (the AWS boundary, simulated)."""

        def __init__(self):
            self.client, self.calls = real(), []

        def get_object(self, **kwargs):
            self.calls.append(kwargs.get("Range"))
            response = self.client.get_object(**kwargs)
            if len(self.calls) == 1:
                body = response["Body"]

                class Breaking:
                    sent = 0

                    def read(self, n):
                        if self.sent >= 1 << 20:
                            raise ReadTimeoutError(endpoint_url="s3")
                        chunk = body.read(min(n, (1 << 20) - self.sent))
                        self.sent += len(chunk)
                        return chunk

                    def close(self):
                        body.close()

                response["Body"] = Breaking()
            return response

    flaky = Flaky()
    monkeypatch.setattr(storage, "_s3", lambda: flaky)
    assert storage.read_bytes(f"s3://{BUCKET}/flaky.bin") == data
    assert flaky.calls == [None, f"bytes={1 << 20}-"]


def test_ranks_on_one_node_share_one_download(s3_endpoint, tiny_models, tmp_path):
    uri = upload_folder(tiny_models["vision"], "models/shared-vision")
    results = []
    threads = [threading.Thread(target=lambda: results.append(materialise(uri, "vision", tmp_path / "cache")))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    got = sorted(p.name for p in results[0].iterdir())
    assert got == sorted(p.name for p in tiny_models["vision"].iterdir())
    entries = list((tmp_path / "cache" / BUCKET / "models").iterdir())
    assert [p.name for p in entries if p.is_dir()] == ["shared-vision"]  # no half-downloaded leftovers


def test_training_reads_and_writes_s3_keeps_the_last_checkpoints_and_resumes(s3_endpoint, tiny_models, train_config,
                                                                               tmp_path):
    from resampler.train import train
    from shards import make_pair_shards

    vision = upload_folder(tiny_models["vision"], "models/tiny-vision")
    text = upload_folder(tiny_models["text"], "models/tiny-lm")
    shards = make_pair_shards(tmp_path / "shards", 2, 6)
    for shard in shards:
        shard["uri"] = f"s3://{BUCKET}/data/{shard['key']}"
        storage.upload_file(shard["uri"], tmp_path / "shards" / shard["key"])
    manifest = f"s3://{BUCKET}/data/manifest.json"
    storage.write_bytes(manifest, json.dumps({"kind": "dataset", "shards": shards}).encode())
    out = f"s3://{BUCKET}/runs/r1/models/connector"
    config = train_config(vision_model=vision, text_model=text, steps=4, checkpoint_every=1, keep_checkpoints=2)

    class Stop(Exception):
        pass

    def stop_at_3(step, _):
        if step == 3:
            raise Stop()

    with pytest.raises(Stop):
        train(manifest, out, config, on_step=stop_at_3)
    steps = sorted({name.split("/")[0] for name in storage.list_files(f"{out}/checkpoints") if "/" in name})
    assert steps == ["step-00000002", "step-00000003"]  # keep_checkpoints=2
    metrics = train(manifest, out, config)
    assert metrics["resumed_from"] == 3 and len(metrics["loss"]) == 4
    files = storage.list_files(out)
    assert {"export/model.safetensors", "export/config.json", "export/tokenizer.json", "export/README.md",
            "samples.json", "metrics.json"} <= set(files)
