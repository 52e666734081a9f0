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
    cpu_seconds_by_service: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_cpu_percent": round(self.peak_cpu_percent, 1),
            "peak_rss_mb_by_service": {
                k: round(v, 1) for k, v in sorted(self.peak_rss_mb_by_service.items())
            },
            "peak_processes": self.peak_processes,
            "mean_cpu_percent": round(self.mean_cpu_percent, 1),
            "cpu_seconds_by_service": {
                k: round(v, 2) for k, v in sorted(self.cpu_seconds_by_service.items())
            },
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
    CPU is each process's user+system time between two reads over the time between them, summed.
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
        self._cpu_seen: dict[int, tuple[float, float]] = {}  # pid → (CPU seconds, when read)
        self._last_pass: float | None = None
        self._cpu_seconds = 0.0
        self._started = 0.0
        self.peaks = ResourcePeaks()

    def __enter__(self) -> ResourceSampler:
        self._started = time.monotonic()
        self._sample()
        self._thread.start()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self._started
        self.peaks.mean_cpu_percent = 100 * self._cpu_seconds / wall if wall > 0 else 0.0
        # The true peak rate is never below the mean; the sampled one (per-process windows, 10 ms CPU ticks)
        # can read a hair under it when every core is busy throughout.
        self.peaks.peak_cpu_percent = max(self.peaks.peak_cpu_percent, self.peaks.mean_cpu_percent)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def _cpu(self, process: psutil.Process, cpu: float, now: float) -> tuple[float, float]:
        """CPU seconds used since this process was last read, and the rate (cores) over its own window.

        Each process gets its own window: under load one pass over every process takes long enough that a
        single window for all of them misstates the rate. A process first seen counts from its start if it
        started since the last pass; one already running then (or on the first pass) counts from now.
        """
        seen = self._cpu_seen.get(process.pid)
        self._cpu_seen[process.pid] = (cpu, now)
        if seen is None:
            try:
                started = process.create_time()
            except psutil.Error:
                return 0.0, 0.0
            if self._last_pass is None or started < self._last_pass:
                return 0.0, 0.0
            seen = (0.0, started)
        used, window = cpu - seen[0], now - seen[1]
        return used, used / window if window > 0 else 0.0

    def _sample(self) -> None:
        total_rss, cpu_used, cpu_rate, processes = 0.0, 0.0, 0.0, 0
        for service, pid in self._roots.items():
            rss, service_cpu = 0.0, 0.0
            for process in _tree(pid, self._exclude):
                try:
                    with process.oneshot():
                        rss += process.memory_info().rss / _MIB
                        times = process.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                processes += 1
                used, rate = self._cpu(process, times.user + times.system, time.time())
                cpu_used += used
                service_cpu += used
                cpu_rate += rate
            total_rss += rss
            by_service = self.peaks.cpu_seconds_by_service
            by_service[service] = by_service.get(service, 0.0) + service_cpu
            peak = self.peaks.peak_rss_mb_by_service
            peak[service] = max(peak.get(service, 0.0), rss)
        self.peaks.peak_rss_mb = max(self.peaks.peak_rss_mb, total_rss)
        self.peaks.peak_processes = max(self.peaks.peak_processes, processes)
        self._cpu_seconds += cpu_used
        self.peaks.peak_cpu_percent = max(self.peaks.peak_cpu_percent, 100 * cpu_rate)
        self._last_pass = time.time()
