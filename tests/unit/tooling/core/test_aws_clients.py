"""`Clients`: one client per service and set, made as asked, every request seen by the call hooks."""

from __future__ import annotations

from typing import Any, ClassVar

from tests.aws_clients import endpoint_clients, offline_clients


def test_each_service_has_one_client_per_set_and_each_set_its_own() -> None:
    # GIVEN two sets of offline clients
    first, second = offline_clients(), offline_clients()

    # WHEN / THEN a set gives the same client for a service each time, another set a different one
    assert first("sqs") is first("sqs")
    assert first("sqs") is not second("sqs")


def test_the_endpoint_and_region_are_the_ones_given() -> None:
    # GIVEN / WHEN clients for a stand-in at a URL, in a region
    clients = endpoint_clients("http://127.0.0.1:9", region="eu-west-1")

    # THEN every client goes there
    assert clients("comprehend").meta.endpoint_url == "http://127.0.0.1:9"
    assert clients("bedrock-runtime").meta.region_name == "eu-west-1"


class EmptyAnswer:
    """Answers a request before it is sent, as an empty JSON response (no network in the unit tier)."""

    status_code = 200
    headers: ClassVar[dict[str, str]] = {}
    content = b"{}"
    raw = None


def _answer_before_sending(client: Any) -> None:
    client.meta.events.register("before-send", lambda **_: EmptyAnswer())


def test_a_call_hook_sees_the_requests_of_clients_made_before_and_after_it() -> None:
    # GIVEN a client made before a hook is registered, and one made after (both answered before sending)
    clients = offline_clients()
    earlier = clients("sqs")
    seen: list[str] = []
    clients.on_each_call(lambda model, **_: seen.append(model.name))
    later = clients("dynamodb")
    for client in (earlier, later):
        _answer_before_sending(client)

    # WHEN each makes a request
    earlier.list_queues()
    later.list_tables()

    # THEN the hook saw both
    assert seen == ["ListQueues", "ListTables"]
