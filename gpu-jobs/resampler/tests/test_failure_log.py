"""The training job's last output lines: kept in a ring buffer, written to --failure-log when the
job fails (non-zero exit, uncaught exception, SIGTERM), nothing written when it succeeds."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from resampler.failure_log import LOG_TAIL_LINES, OutputTail, run_keeping_tail

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


def test_an_uncaught_exception_writes_its_traceback_and_exits_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AWS_BATCH_JOB_ID", "job-1")
    log = tmp_path / "failure-log.json"

    def fail() -> int:
        print("step 1/5 loss 2.0")
        raise ValueError("lr must be positive")

    assert run_keeping_tail(fail, log.as_uri()) == 1
    written = read_log(log)
    assert written["jobId"] == "job-1" and written["exitCode"] == 1
    assert written["lines"][0] == "step 1/5 loss 2.0"
    assert written["lines"][-1] == "ValueError: lr must be positive"
    assert "ValueError: lr must be positive" in capsys.readouterr().err  # still printed as usual


def test_a_non_zero_exit_code_writes_the_log(tmp_path):
    log = tmp_path / "failure-log.json"

    def bad_input() -> int:
        print("error: config.lr must be > 0", file=sys.stderr)
        return 2

    assert run_keeping_tail(bad_input, log.as_uri()) == 2
    assert read_log(log)["lines"] == ["error: config.lr must be > 0"]
    assert read_log(log)["exitCode"] == 2


def test_sigterm_writes_the_log_and_exits_143(tmp_path):
    log = tmp_path / "failure-log.json"

    def terminated() -> int:
        print("step 3/5")
        os.kill(os.getpid(), signal.SIGTERM)
        return 0

    assert run_keeping_tail(terminated, log.as_uri()) == 143
    assert read_log(log)["lines"] == ["step 3/5"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored


def test_success_writes_nothing(tmp_path):
    log = tmp_path / "failure-log.json"
    assert run_keeping_tail(lambda: print("done") or 0, log.as_uri()) == 0
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
