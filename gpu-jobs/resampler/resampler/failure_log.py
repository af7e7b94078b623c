"""
The last lines a training job printed, written where the run summary finds them when the job
fails. On AWS the job's log is a CloudWatch stream that the summary does not read; the job
itself writes `{jobId, exitCode, lines}` to the URI the compiled command gives as
`--failure-log` (core/layout.ts trainFailureLogKey). A failure here is a non-zero exit, an
uncaught exception or SIGTERM (Batch's timeout, `docker stop`); a process killed outright
(SIGKILL, the OOM killer) writes nothing, and the summary names the CloudWatch stream instead.
Output is taken at file descriptors 1 and 2, not sys.stdout: native code (CUDA, NCCL), logging
handlers bound to the original streams and child processes write there too.
"""
from __future__ import annotations

import codecs
import json
import os
import signal
import sys
import threading
import traceback
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator

from . import storage

LOG_TAIL_LINES = 20  # core/failure-causes.ts LOG_TAIL_LINES: what a cause shows
MAX_LINE_CHARS = 500


class OutputTail:
    """A ring buffer of the last complete output lines, stdout and stderr interleaved as written."""

    def __init__(self, limit: int = LOG_TAIL_LINES) -> None:
        self._lock = threading.Lock()  # fed by one pump thread per stream
        self._limit = limit
        self._lines: deque[str] = deque(maxlen=limit)
        self._partial = {"stdout": "", "stderr": ""}

    def feed(self, stream: str, text: str) -> None:
        with self._lock:
            pending = self._partial[stream] + text
            *complete, self._partial[stream] = pending.split("\n")
            for line in complete:
                if line.strip():
                    self._lines.append(line.rstrip("\r")[:MAX_LINE_CHARS])

    def lines(self) -> list[str]:
        """The buffered lines and any unfinished last line of each stream."""
        with self._lock:
            unfinished = [p[:MAX_LINE_CHARS] for p in self._partial.values() if p.strip()]
            return (list(self._lines) + unfinished)[-self._limit:]


STREAMS = {"stdout": 1, "stderr": 2}


@contextmanager
def capture_output(tail: OutputTail) -> Iterator[None]:
    """Every byte written to file descriptors 1 and 2 (Python, C++ extensions, torchrun and
    DataLoader workers alike) passes through a pipe whose reader copies it to the real stream
    and feeds the tail; the streams stay apart, as CloudWatch and the local log receive them."""
    sys.stdout.flush()
    sys.stderr.flush()
    real = {name: os.dup(fd) for name, fd in STREAMS.items()}
    pumps = []
    for name, fd in STREAMS.items():
        read_end, write_end = os.pipe()
        os.dup2(write_end, fd)
        os.close(write_end)
        pump = threading.Thread(target=_pump, args=(read_end, real[name], tail, name), daemon=True)
        pump.start()
        pumps.append(pump)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for name, fd in STREAMS.items():
            os.dup2(real[name], fd)  # closes this process's write ends: the pumps read to EOF
        for pump in pumps:
            pump.join(timeout=PUMP_DRAIN_SECONDS)  # a leftover child may hold a write end open
        for fd in real.values():
            os.close(fd)


PUMP_DRAIN_SECONDS = 5


def _pump(read_end: int, real_fd: int, tail: OutputTail, name: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            try:
                os.write(real_fd, chunk)
            except OSError:
                pass  # the real stream is gone; the tail still keeps the lines
            tail.feed(name, decoder.decode(chunk))


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
    if code != 0:  # after the pumps have drained
        write_failure_log(failure_log, tail.lines(), code)
    return code
