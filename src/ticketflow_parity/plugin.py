"""The botocore client plugin: each client of a local endpoint runs every check on each call's parameters.

botocore loads it by name from `BOTOCORE_EXPERIMENTAL__PLUGINS` for every client it creates (and logs, at
debug level only, a plugin it cannot import: `tests` prove that it is loaded wherever it must be).
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any
from urllib.parse import urlsplit

from botocore.loaders import create_loader
from botocore.model import OperationModel

from ticketflow_parity import PLUGIN_NAME
from ticketflow_parity.checks import Call, Check
from ticketflow_parity.iam.check import check_iam
from ticketflow_parity.standard_checks import STANDARD

# Each runs on every request to a local endpoint, in order; the first refusal is the answer. A check module
# (model constraints and quotas here; IAM) adds its own. IAM comes last: it applies inside functions only,
# and a request its role may make can still be malformed (which of the two AWS answers first is unverified).
CHECKS: list[Check] = [*STANDARD, check_iam]


@cache
def _aws_domains() -> tuple[str, ...]:
    """Every AWS partition's DNS suffixes (amazonaws.com, api.aws, amazonaws.com.cn, ...), from botocore."""
    partitions = create_loader().load_data("partitions")["partitions"]
    suffixes = {
        partition["outputs"][key]
        for partition in partitions
        for key in ("dnsSuffix", "dualStackDnsSuffix")
        if partition["outputs"].get(key)
    }
    return tuple(sorted(suffixes))


def is_local(endpoint_url: str | None) -> bool:
    """Requests to AWS itself are AWS's to check; any other endpoint is the local stack's (the emulator,
    fake_bedrock, the fault proxy, a shared box or a compose service of the external target)."""
    host = urlsplit(endpoint_url).hostname if endpoint_url else None
    if not host:
        return False
    return not any(host == domain or host.endswith(f".{domain}") for domain in _aws_domains())


def checked_event(client: Any) -> str:
    """The event the checks handle: every operation's parameters, before botocore builds the request."""
    return f"before-parameter-build.{client.meta.service_model.service_id.hyphenize()}"


def initialize_client_plugin(client: Any) -> None:
    if not is_local(client.meta.endpoint_url):
        return
    # Once a client (PLUGIN_NAME is its handler's id), however many times the plugin is named.
    client.meta.events.register(checked_event(client), partial(_check, client), unique_id=PLUGIN_NAME)


def _check(client: Any, params: dict[str, Any], model: OperationModel, **_: Any) -> None:
    call = Call(client.meta.service_model, model, params, client.meta.endpoint_url, client.meta.region_name)
    for check in CHECKS:
        refusal = check(call)
        if refusal is not None:
            raise refusal.error(client, model.name)
