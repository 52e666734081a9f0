"""The unit tests' fakes of a clock and of the AWS clients they replace, each written once.

Each fake takes the keyword arguments boto3 takes (its names, hence the N803 waivers) and answers in the
shape the service does, for the calls the code under test makes.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/dead-letters"


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps; it records each sleep."""

    def __init__(self, start: float = 100.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class FakeSqs:
    """One queue: a message is visible, in flight (received, until released or deleted), or gone.
    Every SendMessage request is kept in `sent`; with `error`, each is refused with it instead."""

    def __init__(self, error: ClientError | None = None, queue_url: str = QUEUE_URL) -> None:
        self.queue_url = queue_url
        self.sent: list[dict[str, Any]] = []
        self.bodies: dict[str, str] = {}  # message id → body, in arrival order
        self.in_flight: dict[str, str] = {}  # receipt handle → message id
        self.visibility_timeouts: list[int] = []
        self._error = error
        self._receipts = 0

    def send_message(self, **request: Any) -> dict[str, Any]:
        if self._error is not None:
            raise self._error
        assert request["QueueUrl"] == self.queue_url
        self.sent.append(request)
        message_id = f"m-{len(self.sent):02d}"
        self.bodies[message_id] = request["MessageBody"]
        return {"MessageId": message_id, "MD5OfMessageBody": "x"}

    def receive_message(self, **request: Any) -> dict[str, Any]:
        assert request["QueueUrl"] == self.queue_url
        assert request["MaxNumberOfMessages"] <= 10
        self.visibility_timeouts.append(request["VisibilityTimeout"])
        visible = self.visible()[: request["MaxNumberOfMessages"]]
        messages = []
        for message_id in visible:
            self._receipts += 1
            handle = f"rh-{self._receipts}"
            self.in_flight[handle] = message_id
            messages.append(
                {"MessageId": message_id, "ReceiptHandle": handle, "Body": self.bodies[message_id]}
            )
        return {"Messages": messages} if messages else {}

    def change_message_visibility(self, *, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int) -> None:  # noqa: N803
        assert (QueueUrl, VisibilityTimeout) == (self.queue_url, 0)
        del self.in_flight[ReceiptHandle]

    def delete_message(self, *, QueueUrl: str, ReceiptHandle: str) -> None:  # noqa: N803
        assert QueueUrl == self.queue_url
        del self.bodies[self.in_flight.pop(ReceiptHandle)]

    def visible(self) -> list[str]:
        return [m for m in self.bodies if m not in set(self.in_flight.values())]

    def sent_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request["MessageBody"]) for request in self.sent]


class FakeLambda:
    """Invoke answers each function's `answers` in turn (a payload; one with `errorMessage` is a function
    error); GetFunction describes a function by its name (reserved concurrency 4 for names in `reserved`)."""

    def __init__(
        self, answers: Mapping[str, list[Any]] | None = None, reserved: frozenset[str] = frozenset()
    ) -> None:
        self._answers = {name: iter(payloads) for name, payloads in (answers or {}).items()}
        self._reserved = reserved
        self.invoked: Counter[str] = Counter()
        self.payloads: list[Any] = []

    def invoke(self, *, FunctionName: str, Payload: str) -> dict[str, Any]:  # noqa: N803
        self.invoked[FunctionName] += 1
        self.payloads.append(json.loads(Payload))
        answer = next(self._answers[FunctionName])
        response: dict[str, Any] = {"Payload": io.BytesIO(json.dumps(answer).encode())}
        if isinstance(answer, dict) and "errorMessage" in answer:
            response["FunctionError"] = "Unhandled"
        return response

    def get_function(self, *, FunctionName: str) -> dict[str, Any]:  # noqa: N803
        reserved = FunctionName in self._reserved
        concurrency = {"Concurrency": {"ReservedConcurrentExecutions": 4}} if reserved else {}
        return {"Configuration": {"CodeSha256": f"sha-of-{FunctionName}"}, **concurrency}


class FakeDescriptions:
    """A DescriptionStore in memory: each put is kept in `objects`, by key."""

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}

    def put(self, key: str, text: str) -> None:
        self.objects[key] = text

    def get(self, key: str) -> str:
        return self.objects[key]


class FakeBucket:
    """One S3 bucket in memory: PutObject (failing with `put_error`, if given) and GetObject (NoSuchKey for a
    key it does not hold), each GetObject's key kept in `gets`."""

    def __init__(self, name: str = "archive", put_error: ClientError | None = None) -> None:
        self.name = name
        self.objects: dict[str, bytes] = {}
        self.gets: list[str] = []
        self._put_error = put_error

    def put_object(self, *, Bucket: str, Key: str, Body: bytes) -> dict[str, Any]:  # noqa: N803
        assert Bucket == self.name
        if self._put_error is not None:
            raise self._put_error
        self.objects[Key] = Body
        return {"ETag": '"e"'}

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        assert Bucket == self.name
        self.gets.append(Key)
        if Key not in self.objects:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "GetObject")
        return {"Body": io.BytesIO(self.objects[Key])}
