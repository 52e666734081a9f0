"""TopicListener: ticket notifications counted per ticket, any other message on the topic kept aside."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.stub import ANY, Stubber

from tests.aws_clients import offline_clients
from ticketflow_dev.tickets.notifications import TopicListener

if TYPE_CHECKING:
    pass


TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:notifications"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/000000000000/listener"
QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:listener"
SUBSCRIPTION_ARN = TOPIC_ARN + ":0d5c5e5e-0000-4000-8000-000000000000"


def _message(index: int, body: str) -> dict[str, str]:
    return {"MessageId": f"m{index}", "ReceiptHandle": f"r{index}", "Body": body}


def test_drain_counts_ticket_notifications_and_keeps_other_messages() -> None:
    # GIVEN a subscribed listener whose queue holds two notifications of one ticket, an alarm's message and
    # a body that is not JSON
    sns, sqs = offline_clients()("sns"), offline_clients()("sqs")
    alarm = json.dumps({"AlarmName": "TicketsFailed", "NewStateValue": "ALARM"})
    notification = json.dumps({"ticket_id": "TKT-20250115-0042", "priority": "HIGH"})
    bodies = [notification, alarm, notification, "plain text"]
    with Stubber(sns) as sns_stub, Stubber(sqs) as sqs_stub:
        sqs_stub.add_response("create_queue", {"QueueUrl": QUEUE_URL})
        sqs_stub.add_response("get_queue_attributes", {"Attributes": {"QueueArn": QUEUE_ARN}})
        sqs_stub.add_response("set_queue_attributes", {})
        sns_stub.add_response("subscribe", {"SubscriptionArn": SUBSCRIPTION_ARN})
        sqs_stub.add_response(
            "receive_message", {"Messages": [_message(i, body) for i, body in enumerate(bodies)]}
        )
        sqs_stub.add_response(
            "delete_message_batch", {"Successful": [], "Failed": []}, {"QueueUrl": QUEUE_URL, "Entries": ANY}
        )
        sqs_stub.add_response("receive_message", {"Messages": []})
        sns_stub.add_response("unsubscribe", {}, {"SubscriptionArn": SUBSCRIPTION_ARN})
        sqs_stub.add_response("delete_queue", {}, {"QueueUrl": QUEUE_URL})

        # WHEN it drains the queue
        with TopicListener(sns, sqs, TOPIC_ARN) as listener:
            received = listener.drain()

        # THEN the ticket's notifications are counted, and the other messages are kept as they came
        assert received == {"TKT-20250115-0042": 2}
        assert listener.other == [alarm, "plain text"]
        sqs_stub.assert_no_pending_responses()
        sns_stub.assert_no_pending_responses()
