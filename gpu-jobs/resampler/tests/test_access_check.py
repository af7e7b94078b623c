"""The job's storage requests asked of the as-deployed runner (VLMFLOW_ACCESS_CHECK_URL)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from resampler import storage
from resampler.access_check import ACCESS_CHECK_ENV, AccessDenied


@pytest.fixture
def checker(monkeypatch):
    asked: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            request = json.loads(self.rfile.read(int(self.headers["content-length"])))
            asked.append(request)
            allowed = "/runs/" in request["uri"]
            answer = {"allowed": allowed, "message": f"not authorized to perform: {request['action']}"}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(ACCESS_CHECK_ENV, f"http://127.0.0.1:{server.server_address[1]}/authorize")
    yield asked
    server.shutdown()


def test_each_request_is_asked_and_a_denial_raises(tmp_path, checker):
    allowed = tmp_path / "runs" / "a.json"
    storage.write_bytes(f"file://{allowed}", b"{}")
    assert storage.read_bytes(f"file://{allowed}") == b"{}"
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "x").write_text("secret")
    with pytest.raises(AccessDenied, match="not authorized to perform: s3:GetObject"):
        storage.read_bytes(f"file://{tmp_path}/models/x")
    assert [a["action"] for a in checker] == ["s3:PutObject", "s3:GetObject", "s3:GetObject"]


def test_nothing_is_asked_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(ACCESS_CHECK_ENV, raising=False)
    (tmp_path / "x").write_bytes(b"1")
    assert storage.read_bytes(f"file://{tmp_path}/x") == b"1"
