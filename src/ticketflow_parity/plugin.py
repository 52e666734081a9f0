"""The botocore client plugin: each client of a local endpoint runs every check on each call's parameters.

botocore loads it by name from `BOTOCORE_EXPERIMENTAL__PLUGINS` for every client it creates (and logs, at
debug level only, a plugin it cannot import: `tests` prove that it is loaded wherever it must be).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlsplit

from botocore.model import OperationModel

from ticketflow_parity.checks import Call, Check

# Filled by the check modules; each runs on every request to a local endpoint, in order.
CHECKS: list[Check] = []
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def is_local(endpoint_url: str | None) -> bool:
    """Requests to AWS itself are AWS's to check; the local stack's endpoints (the emulator, fake_bedrock)
    answer on this machine."""
    return endpoint_url is not None and urlsplit(endpoint_url).hostname in _LOOPBACK


def initialize_client_plugin(client: Any) -> None:
    if not is_local(client.meta.endpoint_url):
        return
    event = f"before-parameter-build.{client.meta.service_model.service_id.hyphenize()}"
    client.meta.events.register(event, partial(_check, client))


def _check(client: Any, params: dict[str, Any], model: OperationModel, **_: Any) -> None:
    call = Call(client.meta.service_model, model, params, client.meta.endpoint_url, client.meta.region_name)
    for check in CHECKS:
        refusal = check(call)
        if refusal is not None:
            raise refusal.error(client, model.name)
