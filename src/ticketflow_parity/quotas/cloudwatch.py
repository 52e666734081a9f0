"""CloudWatch PutMetricData: at most 1,000 metrics a request (the 1 MB request size is not measured here:
it is the size of the serialized request, which the parameters do not give)."""

from __future__ import annotations

from ticketflow_parity.checks import Call, Check, Refusal

MAX_METRICS = 1000


def put_metric_data(call: Call) -> Refusal | None:
    metrics = call.params.get("MetricData")
    if isinstance(metrics, list) and len(metrics) > MAX_METRICS:
        return Refusal(
            "InvalidParameterValue",
            f"The collection MetricData must not have a size greater than {MAX_METRICS}.",
        )
    return None


QUOTAS: dict[str, Check] = {"PutMetricData": put_metric_data}
