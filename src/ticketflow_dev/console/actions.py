"""What the console can change: replay dead letters, set or clear fake_bedrock's faults. Each takes the
request's JSON body, checks it, acts through the same modules as the CLI, and says what it did."""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

from ticketflow_dev.faults import fake_bedrock_admin
from ticketflow_dev.tickets.dead_letter_inbox import DeadLetterResources, replay_letters


class ActionError(ValueError):
    """The request asked for something the action cannot do (400), or the service refused (502)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Actions:
    def __init__(
        self, dead_letters: DeadLetterResources, fake_bedrock_url: str, letters_lock: threading.Lock
    ) -> None:
        self._dead_letters = dead_letters
        self._fake_bedrock_url = fake_bedrock_url
        self._letters_lock = letters_lock  # the poller's peek holds letters briefly: never during a replay

    def replay(self, body: dict[str, Any]) -> dict[str, Any]:
        """`{"all": true}` or `{"message_ids": [...]}`: each letter's record back on the stream."""
        ids = body.get("message_ids")
        replay_all = body.get("all") is True
        if replay_all == bool(ids) or not (replay_all or _strings(ids)):
            raise ActionError('pass either {"all": true} or {"message_ids": ["...", ...]}')
        wanted = None if replay_all else set(ids or [])
        with self._letters_lock:
            report = replay_letters(self._dead_letters, wanted)
        return {
            "summary": report.summary(),
            "letters": [asdict(letter) for letter in report.letters],
            "missing": sorted((wanted or set()) - report.seen),
            "error": report.read_error,
            "notes": report.notes,
        }

    def set_faults(self, body: dict[str, Any]) -> dict[str, Any]:
        """One operation's rule (`operation`, `error_rate`, `latency_ms`, `bad_output_rate`, `errors`), the
        other operations' rules kept."""
        try:
            rule = fake_bedrock_admin.operation_rule(
                error_rate=_rate(body, "error_rate"),
                errors=body.get("errors") or None,
                latency_ms=_number(body, "latency_ms"),
                bad_output_rate=_rate(body, "bad_output_rate"),
            )
            config = fake_bedrock_admin.set_operation_faults(
                self._fake_bedrock_url, str(body.get("operation", "*")), rule
            )
        except fake_bedrock_admin.FaultAdminError as error:
            raise ActionError(str(error), status=502) from error
        except ValueError as error:
            raise ActionError(str(error)) from error
        return {"config": config}

    def clear_faults(self, _: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"config": fake_bedrock_admin.clear_faults(self._fake_bedrock_url)}
        except fake_bedrock_admin.FaultAdminError as error:
            raise ActionError(str(error), status=502) from error


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ActionError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ActionError(f"{name} must be a number, got {value!r}") from None
    if number < 0:
        raise ActionError(f"{name} must not be negative, got {number}")
    return number


def _rate(body: dict[str, Any], name: str) -> float:
    rate = _number(body, name) or 0.0
    if rate > 1:
        raise ActionError(f"{name} is a share of calls, from 0 to 1; got {rate}")
    return rate
