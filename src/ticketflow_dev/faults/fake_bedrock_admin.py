"""A client for fake_bedrock's fault-injection admin endpoint (`/_admin/faults`, `/_admin/stats`).

Plain HTTP with the standard library: the endpoint is not an AWS API, so no SDK is involved. The server
must run with `--admin` (or `FAKE_BEDROCK_ADMIN=1`); without it every admin path answers 404.
"""

from __future__ import annotations

from typing import Any

from ticketflow_dev.faults.admin_http import AdminRefusedError, AdminUnreachableError, json_request

OPERATIONS = ("converse", "invoke_model", "detect_sentiment", "batch_detect_sentiment", "*")
DISTRIBUTIONS = ("fixed", "uniform", "normal")
DEFAULT_TIMEOUT_S = 5.0

FaultConfig = dict[str, Any]


class FaultAdminError(RuntimeError):
    """The admin endpoint refused the request, or could not be reached."""


def _request(
    base_url: str, method: str, path: str, body: Any = None, timeout: float = DEFAULT_TIMEOUT_S
) -> Any:
    try:
        return json_request(base_url, method, path, body, timeout=timeout)
    except AdminRefusedError as error:
        if error.status == 404:
            raise FaultAdminError(
                f"{base_url} has no admin endpoint: start fake_bedrock with --admin (or FAKE_BEDROCK_ADMIN=1)"
            ) from error
        raise FaultAdminError(f"{method} {path} answered {error.status}: {error.detail}") from error
    except AdminUnreachableError as error:
        raise FaultAdminError(f"cannot reach fake_bedrock at {base_url}: {error}") from error


def get_faults(base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> FaultConfig:
    result: FaultConfig = _request(base_url, "GET", "/_admin/faults", timeout=timeout)
    return result


def put_faults(base_url: str, config: FaultConfig, *, timeout: float = DEFAULT_TIMEOUT_S) -> FaultConfig:
    """Replace the whole configuration (this restarts the seeded random sequences)."""
    result: FaultConfig = _request(base_url, "PUT", "/_admin/faults", config, timeout=timeout)
    return result


def clear_faults(base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> FaultConfig:
    result: FaultConfig = _request(base_url, "DELETE", "/_admin/faults", timeout=timeout)
    return result


def get_stats(base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    result: dict[str, Any] = _request(base_url, "GET", "/_admin/stats", timeout=timeout)
    return result


def reset_stats(base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
    _request(base_url, "DELETE", "/_admin/stats", timeout=timeout)


def operation_rule(
    *,
    error_rate: float = 0.0,
    errors: list[str] | None = None,
    latency_ms: float | None = None,
    latency_jitter_ms: float = 0.0,
    latency_distribution: str = "fixed",
    bad_output_rate: float = 0.0,
) -> dict[str, Any]:
    """One operation's rule. Latency: `fixed` at latency_ms; `uniform` in latency_ms ± jitter;
    `normal` with mean latency_ms and standard deviation jitter."""
    rule: dict[str, Any] = {"error_rate": error_rate, "bad_output_rate": bad_output_rate}
    if errors:
        rule["errors"] = dict.fromkeys(errors, 1.0)
    if latency_ms is not None:
        rule["latency"] = _latency(latency_ms, latency_jitter_ms, latency_distribution)
    return rule


def _latency(ms: float, jitter_ms: float, distribution: str) -> dict[str, Any]:
    if distribution == "uniform":
        return {"distribution": "uniform", "min_ms": max(0.0, ms - jitter_ms), "max_ms": ms + jitter_ms}
    if distribution == "normal":
        return {"distribution": "normal", "mean_ms": ms, "stddev_ms": jitter_ms}
    if distribution != "fixed":
        raise ValueError(f"latency distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
    return {"distribution": "fixed", "ms": ms}


def with_rule(
    config: FaultConfig, operation: str, rule: dict[str, Any], *, seed: int | None = None
) -> FaultConfig:
    """`config` with `operation`'s rule replaced (other operations kept), and the seed if given."""
    if operation not in OPERATIONS:
        raise ValueError(f"operation must be one of {OPERATIONS}, got {operation!r}")
    operations = {**config.get("operations", {}), operation: rule}
    return {"seed": config.get("seed", 0) if seed is None else seed, "operations": operations}


def set_operation_faults(
    base_url: str,
    operation: str,
    rule: dict[str, Any],
    *,
    seed: int | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> FaultConfig:
    """Read the configuration, replace one operation's rule, write it back."""
    current = get_faults(base_url, timeout=timeout)
    return put_faults(base_url, with_rule(current, operation, rule, seed=seed), timeout=timeout)
