"""Seeded, repeatable fault injection per operation: errors, added latency and malformed model output.

A configuration is JSON::

    {"seed": 7,
     "operations": {
        "converse": {"error_rate": 0.3,
                     "errors": {"ThrottlingException": 3, "ModelTimeoutException": 1},
                     "latency": {"distribution": "uniform", "min_ms": 50, "max_ms": 250},
                     "bad_output_rate": 0.1},
        "*": {"latency_ms": 20}}}

Operations are `converse`, `invoke_model`, `detect_sentiment`, `batch_detect_sentiment`, or `*` for any
operation without a rule of its own. `errors` weighs the error codes (a list means equal weights; absent
means every code the operation's service can throttle or fail with); a code of the other service is
translated (ThrottlingException is Comprehend's TooManyRequestsException). `latency` is `fixed` (`ms`),
`uniform` (`min_ms`, `max_ms`) or `normal` (`mean_ms`, `stddev_ms`, clipped at 0); `latency_ms: N` is
short for a fixed latency. Each operation draws from its own generator seeded with `seed` and the
operation's name, so the same seed gives the same sequence of decisions for the same sequence of calls.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fake_bedrock.protocols.errors import EQUIVALENT, INJECTABLE, Service, ServiceError, translate_code
from fake_bedrock.wire import BadOutput

OPERATION_SERVICE: dict[str, Service] = {
    "converse": Service.BEDROCK,
    "invoke_model": Service.BEDROCK,
    "detect_sentiment": Service.COMPREHEND,
    "batch_detect_sentiment": Service.COMPREHEND,
}
ANY_OPERATION = "*"
ENV_VAR = "FAKE_BEDROCK_FAULTS"
Distribution = Literal["fixed", "uniform", "normal"]
_KNOWN_CODES = frozenset(code for codes in INJECTABLE.values() for code in codes) | frozenset(
    code for table in EQUIVALENT.values() for code in table
)


class FaultConfigError(ValueError):
    """The fault configuration does not parse or is out of range."""


def _rate(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FaultConfigError(f"{name} must be a number from 0 to 1, got {value!r}")
    return float(value)


def _ms(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultConfigError(f"{name} must be a number of milliseconds >= 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Latency:
    distribution: Distribution = "fixed"
    ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0
    mean_ms: float = 0.0
    stddev_ms: float = 0.0

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Latency:
        distribution = raw.get("distribution", "fixed")
        if distribution not in ("fixed", "uniform", "normal"):
            raise FaultConfigError(
                f"latency.distribution must be fixed, uniform or normal, got {distribution!r}"
            )
        fields = {
            k: _ms(raw[k], f"latency.{k}")
            for k in ("ms", "min_ms", "max_ms", "mean_ms", "stddev_ms")
            if k in raw
        }
        unknown = set(raw) - {"distribution", *fields}
        if unknown:
            raise FaultConfigError(f"unknown latency keys: {sorted(unknown)}")
        latency = cls(distribution=distribution, **fields)
        if latency.distribution == "uniform" and latency.max_ms < latency.min_ms:
            raise FaultConfigError("latency.max_ms must be >= latency.min_ms")
        return latency

    def to_dict(self) -> dict[str, Any]:
        keys = {"fixed": ("ms",), "uniform": ("min_ms", "max_ms"), "normal": ("mean_ms", "stddev_ms")}
        return {"distribution": self.distribution, **{k: getattr(self, k) for k in keys[self.distribution]}}

    def sample_ms(self, rng: random.Random) -> float:
        if self.distribution == "uniform":
            return rng.uniform(self.min_ms, self.max_ms)
        if self.distribution == "normal":
            return max(0.0, rng.gauss(self.mean_ms, self.stddev_ms))
        return self.ms


@dataclass(frozen=True)
class OperationFaults:
    error_rate: float = 0.0
    errors: dict[str, float] = field(default_factory=dict)
    latency: Latency | None = None
    bad_output_rate: float = 0.0

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], op: str) -> OperationFaults:
        unknown = set(raw) - {"error_rate", "errors", "latency", "latency_ms", "bad_output_rate"}
        if unknown:
            raise FaultConfigError(f"unknown keys for {op}: {sorted(unknown)}")
        latency = None
        if "latency" in raw and raw["latency"] is not None:
            latency = Latency.from_dict(raw["latency"])
        elif raw.get("latency_ms") is not None:
            latency = Latency(ms=_ms(raw["latency_ms"], "latency_ms"))
        return cls(
            error_rate=_rate(raw.get("error_rate", 0), f"{op}.error_rate"),
            errors=_weights(raw.get("errors") or {}, op),
            latency=latency,
            bad_output_rate=_rate(raw.get("bad_output_rate", 0), f"{op}.bad_output_rate"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error_rate": self.error_rate, "bad_output_rate": self.bad_output_rate}
        if self.errors:
            out["errors"] = dict(self.errors)
        if self.latency is not None:
            out["latency"] = self.latency.to_dict()
        return out


def _weights(raw: Any, op: str) -> dict[str, float]:
    weights = dict.fromkeys(raw, 1.0) if isinstance(raw, list) else raw
    if not isinstance(weights, dict):
        raise FaultConfigError(f"{op}.errors must be a list of codes or an object of weights")
    for code, weight in weights.items():
        if code not in _KNOWN_CODES:
            raise FaultConfigError(f"{op}.errors: unknown error code {code!r}; known: {sorted(_KNOWN_CODES)}")
        _ms(weight, f"{op}.errors.{code} (a weight)")
    return {code: float(weight) for code, weight in weights.items()}


@dataclass(frozen=True)
class FaultConfig:
    seed: int = 0
    operations: dict[str, OperationFaults] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: Any) -> FaultConfig:
        if not isinstance(raw, dict):
            raise FaultConfigError("the fault configuration must be a JSON object")
        unknown = set(raw) - {"seed", "operations"}
        if unknown:
            raise FaultConfigError(f"unknown keys: {sorted(unknown)}")
        seed = raw.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise FaultConfigError(f"seed must be an integer, got {seed!r}")
        operations = raw.get("operations") or {}
        if not isinstance(operations, dict):
            raise FaultConfigError("operations must be an object keyed by operation name")
        for op in operations:
            if op != ANY_OPERATION and op not in OPERATION_SERVICE:
                raise FaultConfigError(
                    f"unknown operation {op!r}; known: {[*OPERATION_SERVICE, ANY_OPERATION]}"
                )
        return cls(
            seed=seed, operations={op: OperationFaults.from_dict(r, op) for op, r in operations.items()}
        )

    @classmethod
    def parse(cls, source: str) -> FaultConfig:
        """From JSON text, or from the path of a JSON file."""
        text = source if source.lstrip().startswith("{") else Path(source).read_text(encoding="utf-8")
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            raise FaultConfigError(f"the fault configuration is not valid JSON: {error}") from error

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "operations": {op: f.to_dict() for op, f in self.operations.items()}}

    def rule(self, op: str) -> OperationFaults | None:
        return self.operations.get(op) or self.operations.get(ANY_OPERATION)


@dataclass(frozen=True)
class Decision:
    """What happens to one request."""

    delay_s: float = 0.0
    error: ServiceError | None = None
    bad_output: BadOutput | None = None


@dataclass
class _OperationStats:
    requests: int = 0
    responses: Counter[str] = field(default_factory=Counter)
    injected_errors: Counter[str] = field(default_factory=Counter)
    injected_bad_outputs: Counter[str] = field(default_factory=Counter)
    injected_latency_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "responses": dict(sorted(self.responses.items())),
            "injected_errors": dict(sorted(self.injected_errors.items())),
            "injected_error_count": sum(self.injected_errors.values()),
            "injected_bad_outputs": dict(sorted(self.injected_bad_outputs.items())),
            "injected_bad_output_count": sum(self.injected_bad_outputs.values()),
            "injected_latency_ms": round(self.injected_latency_ms, 3),
        }


class FaultInjector:
    """Thread-safe: decides each request's faults and counts what it did."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._rngs: dict[str, random.Random] = {}
        self._stats: dict[str, _OperationStats] = {}
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the configuration and restart every operation's random sequence from the seed."""
        with self._lock:
            self._config = config
            self._rngs = {op: random.Random(f"{config.seed}:{op}") for op in OPERATION_SERVICE}  # noqa: S311

    def clear(self) -> None:
        self.configure(FaultConfig())

    def decide(self, op: str, *, produces_model_output: bool) -> Decision:
        with self._lock:
            stats = self._stats.setdefault(op, _OperationStats())
            stats.requests += 1
            rule = self._config.rule(op)
            if rule is None:
                return Decision()
            decision = self._draw(op, rule, produces_model_output=produces_model_output)
            stats.injected_latency_ms += decision.delay_s * 1000
            if decision.error is not None:
                stats.injected_errors[decision.error.code] += 1
            if decision.bad_output is not None:
                stats.injected_bad_outputs[decision.bad_output.value] += 1
            return decision

    def _draw(self, op: str, rule: OperationFaults, *, produces_model_output: bool) -> Decision:
        rng = self._rngs[op]
        # Always draw the same number of values per request, so one knob does not shift the others.
        fail, pick, garble, variant = rng.random(), rng.random(), rng.random(), rng.random()
        delay_ms = rule.latency.sample_ms(rng) if rule.latency is not None else 0.0
        service = OPERATION_SERVICE[op]
        if fail < rule.error_rate:
            return Decision(delay_s=delay_ms / 1000, error=ServiceError(_pick_code(service, rule, pick)))
        bad = None
        if produces_model_output and garble < rule.bad_output_rate:
            bad = BadOutput.TEXT_INSTEAD_OF_TOOL if variant < 0.5 else BadOutput.GARBLED_TOOL_INPUT
        return Decision(delay_s=delay_ms / 1000, bad_output=bad)

    def record_response(self, op: str, status: int) -> None:
        with self._lock:
            self._stats.setdefault(op, _OperationStats()).responses[str(status)] += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {op: s.to_dict() for op, s in sorted(self._stats.items())}

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = {}


def _pick_code(service: Service, rule: OperationFaults, pick: float) -> str:
    weights: dict[str, float] = {}
    for code, weight in rule.errors.items():
        translated = translate_code(service, code)
        if translated in INJECTABLE[service]:
            weights[translated] = weights.get(translated, 0.0) + weight
    if not weights or sum(weights.values()) <= 0:
        weights = dict.fromkeys(INJECTABLE[service], 1.0)
    total = sum(weights.values())
    threshold = pick * total
    running = 0.0
    for code, weight in weights.items():
        running += weight
        if threshold < running:
            return code
    return next(reversed(weights))
