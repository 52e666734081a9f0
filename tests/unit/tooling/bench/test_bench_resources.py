"""The resource sampler: CPU and resident memory of whole process trees."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

from ticketflow_dev.bench.resources import ResourceSampler

# Holds 64 MiB, says so, and waits for stdin to close.
HOLD_64_MIB = "import sys\nb = b'x' * (64 * 1024 * 1024)\nprint('held', flush=True)\nsys.stdin.read()"


def _cpu_seconds(*processes: psutil.Process) -> float:
    return sum(sum(process.cpu_times()[:2]) for process in processes)


def test_the_sampler_sees_a_service_and_its_children() -> None:
    # GIVEN this process with a child that burns CPU
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.time() + 5\nwhile time.time() < end: pass",
        ]
    )
    tree = (psutil.Process(), psutil.Process(child.pid))
    try:
        # WHEN sampled as a service for a second, the CPU the two spend meanwhile measured beside it
        before = _cpu_seconds(*tree)
        with ResourceSampler({"tests": os.getpid()}, interval=0.1) as sampler:
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                pass  # keep this process busy too: CPU is what is sampled
        spent = _cpu_seconds(*tree) - before
    finally:
        child.kill()
        child.wait()

    # THEN both processes count, and the CPU it reports is the CPU they spent (however loaded the machine:
    # a share of the cores, not a figure of its own)
    peaks = sampler.peaks.as_json()
    assert peaks["peak_processes"] >= 2
    assert peaks["peak_rss_mb_by_service"]["tests"] == peaks["peak_rss_mb"]
    sampled = sampler.peaks.cpu_seconds_by_service["tests"]
    assert 0.5 * spent <= sampled <= spent + 0.05, (sampled, spent)
    assert 0 < peaks["mean_cpu_percent"] <= peaks["peak_cpu_percent"]


def test_a_service_that_is_gone_counts_as_nothing() -> None:
    # GIVEN a pid that no longer exists
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()

    # WHEN sampled (the first sample is taken on entry)
    with ResourceSampler({"gone": gone.pid}, interval=0.05) as sampler:
        pass

    # THEN it contributes no memory and no processes
    assert sampler.peaks.peak_rss_mb == 0
    assert sampler.peaks.peak_processes == 0


def test_processes_that_mention_the_excluded_marker_are_not_counted() -> None:
    # GIVEN a child of this process whose command line names the floor, holding 64 MiB
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_64_MIB, "ticketflow-bench-floor-task1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        child.stdout.readline()  # the child says when its memory is held
        # WHEN sampled with and without excluding the floor (first sample on entry)
        with ResourceSampler({"tests": os.getpid()}, exclude="ticketflow-bench-floor") as without_floor:
            pass
        with ResourceSampler({"tests": os.getpid()}) as with_floor:
            pass
    finally:
        child.kill()
        child.wait()

    # THEN the excluded child's process and its 64 MiB are missing from the first only
    assert with_floor.peaks.peak_processes == without_floor.peaks.peak_processes + 1
    assert with_floor.peaks.peak_rss_mb - without_floor.peaks.peak_rss_mb >= 60
