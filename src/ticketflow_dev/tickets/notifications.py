"""Observes the team's SNS topic through a temporary SQS subscription (what a test or the demo sees)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


class TopicListener:
    """`with TopicListener(...) as listener:` subscribes a fresh queue; leaving deletes both."""

    def __init__(
        self, sns: SNSClient, sqs: SQSClient, topic_arn: str, name_prefix: str = "ticketflow-listener"
    ) -> None:
        self._sns = sns
        self._sqs = sqs
        self._topic_arn = topic_arn
        self._queue_name = f"{name_prefix}-{uuid.uuid4().hex[:12]}"
        self._queue_url = ""
        self._subscription_arn = ""
        self.received: Counter[str] = Counter()  # ticket id → notifications seen
        self.other: list[str] = []  # bodies of the other messages on the topic (e.g. an alarm's), as received

    def __enter__(self) -> Self:
        self._queue_url = self._sqs.create_queue(QueueName=self._queue_name)["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self._sqs.set_queue_attributes(
            QueueUrl=self._queue_url, Attributes={"Policy": self._policy(queue_arn)}
        )
        self._subscription_arn = self._sns.subscribe(
            TopicArn=self._topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._sns.unsubscribe(SubscriptionArn=self._subscription_arn)
        self._sqs.delete_queue(QueueUrl=self._queue_url)

    def drain(self) -> Counter[str]:
        """Receives what has arrived (one short poll per call) and returns the running count per ticket;
        messages that are not about a ticket are kept in `other`."""
        while True:
            messages = self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return self.received
            for message in messages:
                ticket_id = _ticket_id(message["Body"])
                if ticket_id is None:
                    self.other.append(message["Body"])
                else:
                    self.received[ticket_id] += 1
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )

    def _policy(self, queue_arn: str) -> str:
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": queue_arn,
                        "Condition": {"ArnEquals": {"aws:SourceArn": self._topic_arn}},
                    }
                ],
            }
        )


def _ticket_id(body: str) -> str | None:
    """The ticket a notification is about; None for any other message."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    ticket_id = payload.get("ticket_id") if isinstance(payload, dict) else None
    return ticket_id if isinstance(ticket_id, str) else None
