"""The checks every request to a local endpoint gets, in the order AWS answers: the service model's own
constraints first (its front end's validation), then the service's documented quotas."""

from __future__ import annotations

from ticketflow_parity import quotas
from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.model_constraints import violations
from ticketflow_parity.wording import constraint_refusal


def model(call: Call) -> Refusal | None:
    found = violations(call.params, call.operation.input_shape)
    return constraint_refusal(call.service, found) if found else None


STANDARD: list[Check] = [model, quotas.check]
