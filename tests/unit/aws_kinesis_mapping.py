"""AWS's Kinesis event source mapping for one shard, as the Lambda Developer Guide documents it ("Using Lambda
with Kinesis": error handling, partial batch responses), configured from the template's EventSourceMapping.

- A function error fails the batch: with BisectBatchOnFunctionError it is split in two and each half retried
  (a split does not count towards MaximumRetryAttempts); a batch of one is retried whole.
- A response listing `batchItemFailures` (with ReportBatchItemFailures) checkpoints before the lowest
  sequence number listed and retries from there; an identifier not in the batch fails it whole.
- Past MaximumRetryAttempts the batch is discarded: its OnFailure destination receives an invocation record
  naming the shard and the sequence numbers of its first and last record (never the records themselves).

MiniStack 1.5.33's mapping does none of this: it retries a failed batch whole for ever and advances past a
response's reported failures (ministack/services/lambda_svc.py, `_poll_kinesis`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[dict[str, Any]], Any]


@dataclass
class AwsKinesisMapping:
    bisect_on_error: bool
    retry_attempts: int
    reports_item_failures: bool
    batch_size: int
    invocations: int = 0
    responses: list[Any] = field(default_factory=list)  # what each invocation that did not raise returned
    discarded: list[dict[str, Any]] = field(default_factory=list)  # the OnFailure invocation records

    @classmethod
    def configured(cls, properties: Mapping[str, Any]) -> AwsKinesisMapping:
        """From an AWS::Lambda::EventSourceMapping's properties (unset: AWS's defaults)."""
        return cls(
            bisect_on_error=bool(properties.get("BisectBatchOnFunctionError", False)),
            retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
            reports_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
            batch_size=int(properties.get("BatchSize", 100)),
        )

    def deliver(self, records: list[dict[str, Any]], handler: Handler, *, max_invocations: int = 200) -> None:
        """Every record of the shard, in batches, until each is checkpointed or discarded."""
        pending = [
            (records[start : start + self.batch_size], 0) for start in range(0, len(records), self.batch_size)
        ]
        while pending:
            batch, retries = pending.pop(0)
            self.invocations += 1
            assert self.invocations <= max_invocations, "the shard never moves on"
            pending[:0] = self._after(batch, retries, handler)

    def _after(self, batch: list[dict[str, Any]], retries: int, handler: Handler) -> list[Any]:
        """The batches that come next in this shard, in order, after one invocation on `batch`."""
        try:
            response = handler({"Records": batch})
        except Exception:  # noqa: BLE001 (any function error fails the batch)
            if self.bisect_on_error and len(batch) > 1:
                half = len(batch) // 2
                return [(batch[:half], retries), (batch[half:], retries)]
            return self._retried(batch, retries)
        self.responses.append(response)
        failures = (response or {}).get("batchItemFailures") if self.reports_item_failures else None
        if not failures:
            return []
        sequence_numbers = [record["kinesis"]["sequenceNumber"] for record in batch]
        reported = [failure.get("itemIdentifier") for failure in failures]
        if any(identifier not in sequence_numbers for identifier in reported):
            return self._retried(batch, retries)
        return self._retried(batch[min(map(sequence_numbers.index, reported)) :], retries)

    def _retried(self, batch: list[dict[str, Any]], retries: int) -> list[Any]:
        if 0 <= self.retry_attempts <= retries:
            self.discarded.append(
                {
                    "requestContext": {"condition": "RetryAttemptsExhausted"},
                    "KinesisBatchInfo": {
                        "shardId": batch[0]["eventID"].split(":")[0],
                        "startSequenceNumber": batch[0]["kinesis"]["sequenceNumber"],
                        "endSequenceNumber": batch[-1]["kinesis"]["sequenceNumber"],
                        "batchSize": len(batch),
                    },
                }
            )
            return []
        return [(batch, retries + 1)]
