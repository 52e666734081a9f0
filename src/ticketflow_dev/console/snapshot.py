"""What the console's pages show, shaped from the sources' plain reads: the pipeline as stages with their
counts, the recent tickets, the dead letters, the alarms, the warehouse and the faults. Pure functions, so
what a page sees can be tested without a stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ticketflow.model import Priority, Sentiment
from ticketflow.ticket_store import Status
from ticketflow_dev.tickets.queries import TIMESTAMPS

RECENT_SHOWN = 100
# The AI operations each model-calling step makes (fake_bedrock counts them by operation).
STEP_OPERATIONS = {
    "DetectSentiment": ("detect_sentiment", "batch_detect_sentiment"),
    "GenerateResponse": ("converse", "invoke_model"),
}
SCORES = ("positive", "negative", "neutral", "mixed")
DETAIL_FIELDS = (
    "ticket_id", "status", "status_at", "status_reason", "duplicate_of", "priority", "priority_reasoning",
    "sentiment", "subject", "product", "issue_type",
)  # fmt: skip
RECENT_FIELDS = ("ticket_id", "status", "status_at", "status_reason", "priority", "sentiment", "product")


def count(value: tuple[int, bool] | None) -> dict[str, Any] | None:
    """(counted, more beyond the cap) → what the page prints: `42`, or `10000+`."""
    if value is None:
        return None
    counted, more = value
    return {"value": counted, "more": more, "text": f"{counted}+" if more else str(counted)}


def recent_tickets(by_status: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The newest of every status merged into one list, the latest transition first."""
    merged = [ticket for tickets in by_status.values() for ticket in tickets]
    merged.sort(key=lambda ticket: str(ticket.get("status_at", "")), reverse=True)
    return [{name: ticket.get(name) for name in RECENT_FIELDS} for ticket in merged[:RECENT_SHOWN]]


def steps(definition: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The state machine's states in the order they run (from StartAt along Next; a Parallel's branches
    inside it), then the states reached only by Choice or Catch (the failure path)."""
    if not definition:
        return []
    states: Mapping[str, Any] = definition.get("States", {})
    ordered: list[str] = []
    name = definition.get("StartAt")
    while isinstance(name, str) and name in states and name not in ordered:
        ordered.append(name)
        name = states[name].get("Next")
    ordered += [other for other in states if other not in ordered]
    return [_step(name, states[name]) for name in ordered]


def _step(name: str, state: Mapping[str, Any]) -> dict[str, Any]:
    branches = [steps(branch) for branch in state.get("Branches", [])]
    return {"name": name, "type": state.get("Type"), "branches": branches}


def with_ai_calls(step_list: list[dict[str, Any]], stats: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Each model-calling step with the calls fake_bedrock answered for it, and the faults it injected."""
    if not stats:
        return step_list
    shaped = []
    for step in step_list:
        operations = [stats[op] for op in STEP_OPERATIONS.get(step["name"], ()) if op in stats]
        if operations:
            shaped.append(
                step
                | {
                    "calls": sum(op.get("requests", 0) for op in operations),
                    "faults": sum(
                        op.get("injected_error_count", 0) + op.get("injected_bad_output_count", 0)
                        for op in operations
                    ),
                }
            )
        else:
            shaped.append(step)
    return shaped


def alarms(raw: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [
        {
            "name": alarm.get("AlarmName"),
            "state": alarm.get("StateValue"),
            "reason": alarm.get("StateReason", ""),
            "updated": iso(alarm.get("StateUpdatedTimestamp")),
            "metric": f"{alarm.get('Namespace', '')}/{alarm.get('MetricName', '')}".strip("/"),
        }
        for alarm in raw or []
    ]


def etl(report: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if report is None:
        return None
    picked = {k: report.get(k) for k in ("started_at", "scanned", "loaded", "rejected", "warehouse_rows")}
    return picked | {"seconds": report.get("seconds"), "written_at": iso(report.get("written_at"))}


def faults(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    stats = {
        op: {
            "requests": numbers.get("requests", 0),
            "errors": numbers.get("injected_error_count", 0),
            "bad_outputs": numbers.get("injected_bad_output_count", 0),
        }
        for op, numbers in raw.get("stats", {}).items()
    }
    return {"config": raw.get("config", {}), "stats": stats, "aws": [aws_rule(r) for r in raw.get("aws", [])]}


def aws_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """One fault proxy rule as the page lists it: what it targets, what it does, how often, how many fired."""
    fault = rule.get("error", {}).get("code") or (
        "reset" if rule.get("reset") else f"+{rule.get('latency')} ms"
    )
    return {
        "target": f"{rule.get('service')}:{rule.get('operation', '*')}",
        "fault": fault,
        "rate": rule.get("probability", 1.0),
        "fired": rule.get("fired_count", 0),
    }


def iso(value: Any) -> str | None:
    """A timestamp (datetime or epoch seconds) as ISO 8601 UTC; None stays None."""
    if value is None:
        return None
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return str(value)


def stages(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pipeline left to right, each stage with its live counts (None where a read failed)."""
    counts = raw.get("counts") or {}
    status = {s.value: count(counts.get(s.value)) for s in Status}
    letters = raw.get("dead_letters") or {}
    stream = raw.get("stream") or {}
    alarm_list = alarms(raw.get("alarms"))
    step_list = with_ai_calls(steps(raw.get("steps")), (raw.get("faults") or {}).get("stats"))
    report = etl(raw.get("etl"))
    return [
        _stage("producer", "Producer", "ticketflow submit · demo · bench", []),
        _stage("stream", "Kinesis stream", stream.get("StreamName", ""), [
            ("status", stream.get("StreamStatus")), ("shards", stream.get("OpenShardCount")),
        ]),
        _stage("trigger", "TriggerSFN λ", "validates, records RECEIVED, starts one execution", [
            ("received", status["RECEIVED"]), ("rejected", status["REJECTED"]),
            ("dead letters", letters.get("visible")),
        ]),
        _stage("state_machine", "Step Functions", "one execution per ticket", [
            ("running", count(raw.get("running"))), ("processing", status["PROCESSING"]),
        ]) | {"steps": step_list},
        _stage("table", "DynamoDB table", "status, reply, history", [
            ("responded", status["RESPONDED"]), ("failed", status["FAILED"]),
        ]),
        _stage("archive", "S3 archive", "tickets/…json (S3Writer λ)", [
            ("objects", count(raw.get("archive"))),
        ]),
        _stage("topic", "SNS topic", "HIGH / CRITICAL, alarms", [
            ("alarms in ALARM", sum(1 for a in alarm_list if a["state"] == "ALARM") if alarm_list else None),
        ]),
        _stage("warehouse", "Warehouse", "PostgreSQL (Redshift on AWS)", [
            ("rows", raw.get("warehouse")),
            ("last ETL (UTC)", report["written_at"][11:19] if report and report["written_at"] else "never"),
        ]),
    ]  # fmt: skip


def _stage(key: str, title: str, detail: str, values: list[tuple[str, Any]]) -> dict[str, Any]:
    shown = [{"label": label, "value": _text(value)} for label, value in values]
    return {"key": key, "title": title, "detail": detail, "counts": shown}


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return str(value["text"])
    return str(value)


def shape(raw: Mapping[str, Any], errors: Mapping[str, str], cost: Mapping[str, Any]) -> dict[str, Any]:
    """The whole snapshot a page receives: everything above, the read errors by section, and the cost."""
    counts = raw.get("counts") or {}
    return {
        "choices": {"status": list(Status), "priority": list(Priority), "sentiment": list(Sentiment)},
        "stages": stages(raw),
        "statuses": {s.value: count(counts.get(s.value)) for s in Status},
        "recent": recent_tickets(raw.get("recent") or {}),
        "dead_letters": raw.get("dead_letters"),
        "alarms": alarms(raw.get("alarms")),
        "warehouse": {"rows": raw.get("warehouse"), "etl": etl(raw.get("etl"))},
        "faults": faults(raw.get("faults")),
        "errors": dict(errors),
        "cost": dict(cost),
    }


def ticket_detail(item: Mapping[str, Any]) -> dict[str, Any]:
    """One ticket's page: its status and reason, the triage, the scores, the reply and the history."""
    scores = {name: item[f"sentiment_score_{name}"] for name in SCORES if f"sentiment_score_{name}" in item}
    picked = {name: item.get(name) for name in DETAIL_FIELDS}
    return picked | {
        "scores": scores,
        "reply": item.get("response_text"),
        "timestamps": [{"name": name, "at": item[name]} for name in TIMESTAMPS if name in item],
        "history": list(item.get("history", [])),
    }
