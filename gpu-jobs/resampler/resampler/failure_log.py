"""
The last lines a training job printed, written where the run summary finds them when the job
fails. On AWS the job's log is a CloudWatch stream that the summary does not read; the job
itself writes `{jobId, exitCode, lines}` to the URI the compiled command gives as
`--failure-log` (core/layout.ts trainFailureLogKey). A failure here is a non-zero exit, an
uncaught exception or SIGTERM (Batch's timeout, `docker stop`); a process killed outright
(SIGKILL, the OOM killer) writes nothing, and the summary names the CloudWatch stream instead.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import traceback
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

from . import storage

LOG_TAIL_LINES = 20  # core/failure-causes.ts LOG_TAIL_LINES: what a cause shows
MAX_LINE_CHARS = 500


class OutputTail:
    """A ring buffer of the last complete output lines, stdout and stderr interleaved as written."""

    def __init__(self, limit: int = LOG_TAIL_LINES) -> None:
        self._limit = limit
        self._lines: deque[str] = deque(maxlen=limit)
        self._partial = {"stdout": "", "stderr": ""}

    def feed(self, stream: str, text: str) -> None:
        pending = self._partial[stream] + text
        *complete, self._partial[stream] = pending.split("\n")
        for line in complete:
            if line.strip():
                self._lines.append(line[:MAX_LINE_CHARS])

    def lines(self) -> list[str]:
        """The buffered lines and any unfinished last line of each stream."""
        tail = list(self._lines) + [p[:MAX_LINE_CHARS] for p in self._partial.values() if p.strip()]
        return tail[-self._limit:]


class _Tee:
    """Writes through to the real stream and feeds the tail; everything else is the stream's."""

    def __init__(self, stream: TextIO, tail: OutputTail, name: str) -> None:
        self._stream, self._tail, self._name = stream, tail, name

    def write(self, text: str) -> int:
        self._tail.feed(self._name, text)
        return self._stream.write(text)

    def __getattr__(self, attribute: str):
        return getattr(self._stream, attribute)


@contextmanager
def capture_output(tail: OutputTail) -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = _Tee(sys.stdout, tail, "stdout")  # type: ignore[assignment]
    sys.stderr = _Tee(sys.stderr, tail, "stderr")  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """SIGTERM raises SystemExit(143) in the main thread, so the failure log is still written."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def call_through(command: list[str]) -> int:
    """Runs a child (torchrun) with its output passed through this process's streams, so the
    tail holds it too; the child is stopped if this process is."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        assert child.stdout is not None
        for line in child.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
        return child.wait()
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait()


def write_failure_log(uri: str, lines: list[str], exit_code: int) -> None:
    body = {"jobId": os.environ.get("AWS_BATCH_JOB_ID"), "exitCode": exit_code, "lines": lines}
    try:
        storage.write_bytes(uri, json.dumps(body).encode())
    except Exception as e:  # the job's failure is what matters; this one is only reported
        print(f"could not write the failure log {uri}: {e}", file=sys.stderr)


def run_keeping_tail(run: Callable[[], int], failure_log: str) -> int:
    """Runs `run` (returning an exit code); on any failure writes its last output lines."""
    tail = OutputTail()
    with capture_output(tail), sigterm_as_exit():
        try:
            code = run()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
        except BaseException:  # what the interpreter would print, then exit 1 as it would
            traceback.print_exc()
            code = 1
        if code != 0:
            write_failure_log(failure_log, tail.lines(), code)
    return code
