"""DynamoDB: an item within 400 KB (DynamoDB's own size rules), a partition key within 2,048 bytes, a
transaction within 100 actions and 4 MB, a batch write within 25 requests.

The table's key schema is not in a request: a key of one attribute is a partition key; a key attribute
over 2,048 bytes is refused whatever its role (a sort key may hold 1,024). Updates are not sized: their
result depends on the stored item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.sizes import attribute_value_size, item_size

MAX_ITEM_BYTES = 409_600
MAX_PARTITION_KEY_BYTES = 2048
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
MAX_BATCH_WRITES = 25

HASH_KEY_TOO_LARGE = f"Size of hashkey has exceeded the maximum size limit of{MAX_PARTITION_KEY_BYTES} bytes"
ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"
TOO_LARGE_REASON = {"Code": "ValidationError", "Message": ITEM_TOO_LARGE}


def _invalid(detail: str) -> Refusal:
    return Refusal("ValidationException", f"One or more parameter values were invalid: {detail}")


def key_refusal(key: Any) -> Refusal | None:
    """A string or binary key attribute over 2,048 bytes (numbers are never too long), in the words AWS
    answered dynalite's author (its missing space included; MiniStack words it otherwise)."""
    if not isinstance(key, Mapping):
        return None
    if any(
        "N" not in value and attribute_value_size(value) > MAX_PARTITION_KEY_BYTES for value in key.values()
    ):
        return _invalid(
            f"Size of hashkey has exceeded the maximum size limit of{MAX_PARTITION_KEY_BYTES} bytes"
        )
    return None


def _item(params: Mapping[str, Any]) -> int:
    item = params.get("Item")
    return item_size(item) if isinstance(item, Mapping) else 0


def put_item(call: Call) -> Refusal | None:
    return Refusal("ValidationException", ITEM_TOO_LARGE) if _item(call.params) > MAX_ITEM_BYTES else None


def keyed(call: Call) -> Refusal | None:
    return key_refusal(call.params.get("Key"))


def _action_body(action: Any) -> Mapping[str, Any]:
    """A transaction action's one member (`{"Put": {...}}` → its request)."""
    body = next(iter(action.values()), None) if isinstance(action, Mapping) else None
    return body if isinstance(body, Mapping) else {}


def _action_sizes(actions: list[Any]) -> list[int]:
    """Each action's size: a Put's item, the others' key."""
    return [_item(body) or item_size(body.get("Key") or {}) for body in map(_action_body, actions)]


def transact_write_items(call: Call) -> Refusal | None:
    actions = call.params.get("TransactItems")
    if not isinstance(actions, list):
        return None
    for body in map(_action_body, actions):
        if (refusal := key_refusal(body.get("Key"))) is not None:
            return refusal
    sizes = _action_sizes(actions)
    if any(size > MAX_ITEM_BYTES for size in sizes):
        # The transaction is cancelled; the reasons name the action whose item is too large.
        reasons = [TOO_LARGE_REASON if size > MAX_ITEM_BYTES else {"Code": "None"} for size in sizes]
        codes = ", ".join(reason["Code"] for reason in reasons)
        return Refusal(
            "TransactionCanceledException",
            f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            fields={"CancellationReasons": reasons},
        )
    if sum(sizes) > MAX_TRANSACTION_BYTES:
        # Wording unverified.
        return Refusal("ValidationException", "Transaction size has exceeded the maximum allowed size")
    return None


def batch_write_item(call: Call) -> Refusal | None:
    tables = call.params.get("RequestItems")
    if not isinstance(tables, Mapping):
        return None
    requests = [request for writes in tables.values() if isinstance(writes, list) for request in writes]
    if len(requests) > MAX_BATCH_WRITES:
        return Refusal("ValidationException", "Too many items requested for the BatchWriteItem call")
    items = [
        request["PutRequest"].get("Item") or {}
        for request in requests
        if isinstance(request, Mapping) and isinstance(request.get("PutRequest"), Mapping)
    ]
    sizes = [item_size(item) for item in items if isinstance(item, Mapping)]
    # Its 16 MB cannot be reached: 25 items of at most 400 KB are 10 MB.
    if any(size > MAX_ITEM_BYTES for size in sizes):
        return Refusal("ValidationException", ITEM_TOO_LARGE)
    return None


QUOTAS: dict[str, Check] = {
    "PutItem": put_item,
    "GetItem": keyed,
    "DeleteItem": keyed,
    "UpdateItem": keyed,
    "TransactWriteItems": transact_write_items,
    "BatchWriteItem": batch_write_item,
}
