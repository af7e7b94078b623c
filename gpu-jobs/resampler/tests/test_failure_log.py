"""The training job's last output lines: kept in a ring buffer, written to --failure-log when the
job fails (non-zero exit, uncaught exception, SIGTERM), nothing written when it succeeds."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from resampler.failure_log import LOG_TAIL_LINES, OutputTail

JOB_DIR = Path(__file__).resolve().parent.parent


def test_the_tail_keeps_the_last_lines_in_order_without_blanks():
    tail = OutputTail()
    for i in range(30):
        tail.feed("stdout", f"step {i}\n\n")
    tail.feed("stderr", "Traceback (most recent call last):\n  File")
    tail.feed("stderr", ' "train.py"\n')
    tail.feed("stdout", "unfinished")
    assert len(tail.lines()) == LOG_TAIL_LINES
    assert tail.lines()[-3:] == ["Traceback (most recent call last):", '  File "train.py"', "unfinished"]
    assert tail.lines()[0] == "step 13"  # 30 steps + 3 lines after them


def test_lines_are_cut_to_500_characters():
    tail = OutputTail()
    tail.feed("stdout", "x" * 600 + "\n")
    assert tail.lines() == ["x" * 500]


def read_log(path: Path) -> dict:
    return json.loads(path.read_text())


def run_job(body: str, log: Path) -> subprocess.CompletedProcess:
    """`body` as the job (a function returning its exit code), in a process of its own: the
    output is captured at file descriptors 1 and 2, which pytest's own capture replaces."""
    script = "\n".join([
        "import os, signal, subprocess, sys",
        "from resampler.failure_log import run_keeping_tail",
        "def job():",
        *(f"    {line}" for line in body.strip().splitlines()),
        f"sys.exit(run_keeping_tail(job, {log.as_uri()!r}))",
    ])
    return subprocess.run([sys.executable, "-c", script], cwd=JOB_DIR, capture_output=True, text=True,
                          env={**os.environ, "AWS_BATCH_JOB_ID": "job-1"}, timeout=60)


def test_an_uncaught_exception_writes_its_traceback_and_exits_1(tmp_path):
    log = tmp_path / "failure-log.json"
    done = run_job("""
print("step 1/5 loss 2.0", flush=True)
raise ValueError("lr must be positive")
""", log)
    assert done.returncode == 1
    written = read_log(log)
    assert written["jobId"] == "job-1" and written["exitCode"] == 1
    # Each stream keeps its order; between stdout and stderr the order is the pumps' (racy).
    assert "step 1/5 loss 2.0" in written["lines"]
    traceback_lines = [line for line in written["lines"] if line != "step 1/5 loss 2.0"]
    assert traceback_lines[0] == "Traceback (most recent call last):"
    assert traceback_lines[-1] == "ValueError: lr must be positive"
    assert "ValueError: lr must be positive" in done.stderr  # still printed where it was
    assert done.stdout == "step 1/5 loss 2.0\n"


def test_output_of_child_processes_and_below_python_is_kept(tmp_path):
    log = tmp_path / "failure-log.json"
    done = run_job("""
subprocess.run([sys.executable, "-c", "print('NCCL error: unhandled system error')"])
os.write(2, b"terminate called after throwing an instance of 'c10::Error'\\n")
return 134
""", log)
    assert done.returncode == 134
    # One line on each stream: their order in the tail is the pumps', not the writes'.
    assert sorted(read_log(log)["lines"]) == ["NCCL error: unhandled system error",
                                              "terminate called after throwing an instance of 'c10::Error'"]
    assert read_log(log)["exitCode"] == 134


def test_sigterm_writes_the_log_and_exits_143(tmp_path):
    log = tmp_path / "failure-log.json"
    done = run_job("""
print("step 3/5", flush=True)
os.kill(os.getpid(), signal.SIGTERM)
return 0
""", log)
    assert done.returncode == 143
    assert read_log(log)["lines"] == ["step 3/5"]


def test_success_writes_nothing(tmp_path):
    log = tmp_path / "failure-log.json"
    done = run_job('print("done")\nreturn 0', log)
    assert done.returncode == 0 and done.stdout == "done\n"
    assert not log.exists()


def test_the_training_command_writes_it_on_bad_input(tmp_path):
    log = tmp_path / "models" / "connector" / "failure-log.json"
    done = subprocess.run(
        [sys.executable, "-m", "resampler.train", "--manifest", (tmp_path / "m.json").as_uri(),
         "--out", (tmp_path / "models" / "connector").as_uri(), "--config", '{"lr": 0}',
         "--failure-log", log.as_uri()],
        cwd=JOB_DIR, capture_output=True, text=True, env={**os.environ, "AWS_BATCH_JOB_ID": "job-2"},
    )
    assert done.returncode == 2
    written = read_log(log)
    assert written["jobId"] == "job-2" and written["exitCode"] == 2
    assert written["lines"][-1].startswith("error: config")
    assert written["lines"][-1] in done.stderr
