"""Samples the CPU and resident memory of the local stack's processes and all their children."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import psutil

_MIB = 1024 * 1024


@dataclass
class ResourcePeaks:
    peak_rss_mb: float = 0.0
    peak_cpu_percent: float = 0.0  # 100 = one core busy for the whole interval
    peak_rss_mb_by_service: dict[str, float] = field(default_factory=dict)
    peak_processes: int = 0
    mean_cpu_percent: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_cpu_percent": round(self.peak_cpu_percent, 1),
            "peak_rss_mb_by_service": {
                k: round(v, 1) for k, v in sorted(self.peak_rss_mb_by_service.items())
            },
            "peak_processes": self.peak_processes,
            "mean_cpu_percent": round(self.mean_cpu_percent, 1),
        }


def _tree(pid: int, exclude: str | None) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    return [p for p in tree if exclude is None or not _mentions(p, exclude)]


def _mentions(process: psutil.Process, marker: str) -> bool:
    try:
        return any(marker in part for part in process.cmdline())
    except psutil.Error:
        return False


class ResourceSampler:
    """A background thread that samples every `interval` seconds while the `with` block runs.

    `roots` maps a service name to its process id; the emulator's Lambda workers are its children.
    CPU is the processes' user+system time between two samples over the wall time between them.
    Processes whose command line mentions `exclude` are left out (the bench's floor functions' workers
    are the emulator's children too, but they are the instrument, not the stack).
    """

    def __init__(
        self, roots: Mapping[str, int], *, interval: float = 0.5, exclude: str | None = None
    ) -> None:
        self._roots = dict(roots)
        self._exclude = exclude
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="resource-sampler", daemon=True)
        self._cpu_seen: dict[int, float] = {}
        self._cpu_seconds = 0.0
        self._started = 0.0
        self.peaks = ResourcePeaks()

    def __enter__(self) -> ResourceSampler:
        self._started = time.monotonic()
        self._sample(elapsed=None)
        self._thread.start()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self._started
        self.peaks.mean_cpu_percent = 100 * self._cpu_seconds / wall if wall > 0 else 0.0

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self._interval):
            now = time.monotonic()
            self._sample(elapsed=now - last)
            last = now

    def _unseen_baseline(self, process: psutil.Process, cpu: float, elapsed: float | None) -> float:
        """A process seen for the first time counts from zero only if it started since the last sample;
        one that was there already (the first sample, or a process missed once) counts from now."""
        if elapsed is None:
            return cpu
        try:
            started_since = process.create_time() > time.time() - elapsed
        except psutil.Error:
            return cpu
        return 0.0 if started_since else cpu

    def _sample(self, *, elapsed: float | None) -> None:
        total_rss, cpu_delta, processes = 0.0, 0.0, 0
        for service, pid in self._roots.items():
            rss = 0.0
            for process in _tree(pid, self._exclude):
                try:
                    with process.oneshot():
                        rss += process.memory_info().rss / _MIB
                        times = process.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                processes += 1
                cpu = times.user + times.system
                cpu_delta += cpu - self._cpu_seen.get(
                    process.pid, self._unseen_baseline(process, cpu, elapsed)
                )
                self._cpu_seen[process.pid] = cpu
            total_rss += rss
            peak = self.peaks.peak_rss_mb_by_service
            peak[service] = max(peak.get(service, 0.0), rss)
        self.peaks.peak_rss_mb = max(self.peaks.peak_rss_mb, total_rss)
        self.peaks.peak_processes = max(self.peaks.peak_processes, processes)
        if elapsed:
            self._cpu_seconds += cpu_delta
            self.peaks.peak_cpu_percent = max(self.peaks.peak_cpu_percent, 100 * cpu_delta / elapsed)
