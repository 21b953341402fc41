"""The benchmark's own measuring tools (benchmarks/run.py): a peak that misses processes is a wrong
figure in the README, so the process-tree sampler is tested like the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import run as bench  # noqa: E402

# A parent that forks one child from a second thread that stays alive (as a process pool's handler
# thread forks its replacement workers; a child outlives its thread only by moving to another), and
# a child that makes ~40 MB of its own memory; all then wait to be killed.
FORK_FROM_A_THREAD = """
import os, sys, threading, time
def fork_child():
    if os.fork() == 0:
        ballast = bytearray(40 * 1024 * 1024)
        ballast[::4096] = b"x" * len(ballast[::4096])
        print("child ready", flush=True)
        time.sleep(60)
        os._exit(0)
    time.sleep(60)
threading.Thread(target=fork_child, daemon=True).start()
time.sleep(60)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_the_tree_sampler_counts_children_forked_by_any_thread():
    proc = subprocess.Popen([sys.executable, "-c", FORK_FROM_A_THREAD], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "child ready"
        deadline = time.monotonic() + 10
        while not bench._children(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = bench._children(proc.pid)
        assert child != proc.pid
        # the child's 40 MB count in the tree's figure, not only the parent's interpreter
        assert bench._tree_pss_kb(proc.pid) - bench._pss_kb(proc.pid) > 35 * 1024
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
