"""pytest for read_shards.py on a shard made by Python's tarfile (the jest interop test covers
shards written by the TypeScript ShardWriter)."""
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

SCRIPT = Path(__file__).with_name("read_shards.py")


def add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def test_both_readers_agree_on_a_tarfile_shard(tmp_path: Path) -> None:
    with tarfile.open(tmp_path / "shard-000000.tar", "w") as archive:
        add(archive, "d/0001.jpg", b"\xff\xd8jpeg")
        add(archive, "d/0001.TXT", b"caption")
        add(archive, "d/0002.seg.png", b"png")
    run = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == {
        "shard-000000.tar": [
            {"key": "d/0001", "exts": ["jpg", "txt"], "sizes": {"jpg": 6, "txt": 7}},
            {"key": "d/0002", "exts": ["seg.png"], "sizes": {"seg.png": 3}},
        ]
    }
