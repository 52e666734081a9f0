"""The resource sampler: CPU and resident memory of whole process trees."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from ticketflow.bench.resources import ResourceSampler

pytestmark = pytest.mark.unit


def test_the_sampler_sees_a_service_and_its_children() -> None:
    # GIVEN this process with a child that holds 64 MiB and burns CPU
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and code)
        [
            sys.executable,
            "-c",
            "b = bytearray(64 * 1024 * 1024); import time\nend = time.time() + 5\nwhile time.time() < end: pass",
        ]
    )
    try:
        # WHEN sampled as a service for a second
        with ResourceSampler({"tests": os.getpid()}, interval=0.1) as sampler:
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                pass  # keep this process busy too: CPU is what is sampled
    finally:
        child.kill()
        child.wait()

    # THEN both processes count, memory includes the child's 64 MiB and CPU shows busy cores
    peaks = sampler.peaks.as_json()
    assert peaks["peak_processes"] >= 2
    assert peaks["peak_rss_mb"] >= 64
    assert peaks["peak_rss_mb_by_service"]["tests"] == peaks["peak_rss_mb"]
    assert peaks["peak_cpu_percent"] > 50
    assert 0 < peaks["mean_cpu_percent"] <= peaks["peak_cpu_percent"]


def test_a_service_that_is_gone_counts_as_nothing() -> None:
    # GIVEN a pid that no longer exists
    gone = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    gone.wait()

    # WHEN sampled (the first sample is taken on entry)
    with ResourceSampler({"gone": gone.pid}, interval=0.05) as sampler:
        pass

    # THEN it contributes no memory and no processes
    assert sampler.peaks.peak_rss_mb == 0
    assert sampler.peaks.peak_processes == 0
