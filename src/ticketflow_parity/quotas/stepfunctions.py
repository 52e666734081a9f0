"""Step Functions: an execution's input (256 KiB of UTF-8) and the characters its name may not hold."""

from __future__ import annotations

import re

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.model_constraints import Violation
from ticketflow_parity.sizes import utf8_size
from ticketflow_parity.wording import validation_message

MAX_PAYLOAD_BYTES = 262_144
# "A name must not contain: white space, brackets < > { } [ ], wildcard characters ? *, special characters
# " # % \ ^ | ~ ` $ & , ; : /, control characters (U+0000-001F, U+007F-009F)" (StartExecution reference),
# nor surrogates; the model's 1-80 characters is checked with the rest of the model.
_FORBIDDEN_IN_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def start_execution(call: Call) -> Refusal | None:
    name, payload = call.params.get("name"), call.params.get("input")
    if isinstance(name, str) and _FORBIDDEN_IN_NAME.search(name):
        return Refusal("InvalidName", f"Invalid Name: '{name}'")
    # The model's max counts characters; the quota counts UTF-8 bytes (AWS's wording for the byte count is
    # unverified: the model's own is used). The input is sensitive: never echoed.
    if isinstance(payload, str) and len(payload) <= MAX_PAYLOAD_BYTES < utf8_size(payload):
        too_long = f"Member must have length less than or equal to {MAX_PAYLOAD_BYTES}"
        return Refusal("ValidationException", validation_message([Violation("input", None, too_long)]))
    return None


QUOTAS: dict[str, Check] = {"StartExecution": start_execution, "StartSyncExecution": start_execution}
