"""AWS's limits on a ticket's path, and what a ticket may carry so that every call stays within them.

The one source of these figures: the ticket model validates with them, the trigger decides by them whether
a description travels inline and whether a dead letter carries its record, the producer checks its records
by them, the ETL shapes its rows by them, and the unit tests that prove the state machine's largest payloads
(tests/unit/infra/test_payload_limits.py) and the warehouse's columns (tests/unit/etl/test_etl_columns.py)
and docs/limits.md cite them.

Sizes of JSON are counted as `json.dumps` writes it by default (every non-ASCII character escaped): never
fewer bytes than AWS counts in the UTF-8 text it receives or serializes, whatever the characters.
"""

from __future__ import annotations

import json
from typing import Final

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MIB: Final = 1_048_576

# --- AWS's figures (docs/limits.md names the source of each) ----------------------------------------------
KINESIS_RECORD_MAX_BYTES: Final = MIB  # a record's data and partition key (the stream's default, 1 MiB)
KINESIS_PARTITION_KEY_MAX_CHARS: Final = 256
KINESIS_PUT_RECORDS_MAX_RECORDS: Final = 500
# 5 MiB a PutRecords request, partition keys included: the long-standing figure (AWS now allows 10 MiB).
KINESIS_PUT_RECORDS_MAX_BYTES: Final = 5 * MIB
SFN_EXECUTION_NAME_MAX_CHARS: Final = 80
SFN_PAYLOAD_MAX_BYTES: Final = 262_144  # an execution's input, every state's input and output, task results
SFN_ERROR_MAX_CHARS: Final = 256  # a caught error's name, as the execution history holds it
SFN_CAUSE_MAX_CHARS: Final = 32_768  # and its cause
LAMBDA_SYNC_PAYLOAD_MAX_BYTES: Final = 6_291_456  # a synchronous invocation's request and response
DYNAMODB_ITEM_MAX_BYTES: Final = 409_600  # attribute names and values
DYNAMODB_PARTITION_KEY_MAX_BYTES: Final = 2_048
DYNAMODB_TRANSACTION_MAX_ITEMS: Final = 100
DYNAMODB_TRANSACTION_MAX_BYTES: Final = 4_000_000
S3_KEY_MAX_BYTES: Final = 1_024
SNS_MESSAGE_MAX_BYTES: Final = 262_144  # the message and its attributes
SNS_SUBJECT_MAX_CHARS: Final = 99  # "less than 100 characters"
CLOUDWATCH_PUT_METRIC_DATA_MAX_BYTES: Final = MIB
COMPREHEND_TEXT_MAX_BYTES: Final = 5_000  # DetectSentiment's text, UTF-8
BEDROCK_CONTEXT_MAX_TOKENS: Final = 300_000  # Amazon Nova Pro
BEDROCK_OUTPUT_MAX_TOKENS: Final = 5_000  # Nova Pro's documented `maxTokens` ceiling
# 256 KiB a message with its attributes: the long-standing figure, which every queue holds (SQS takes up to
# 1 MiB since 2025, where the queue's MaximumMessageSize allows it).
SQS_MESSAGE_MAX_BYTES: Final = 262_144

# --- The warehouse's figures (Redshift counts a VARCHAR's bytes; glue/ticketflow_etl/sql/redshift) -------
WAREHOUSE_TICKET_ID_MAX_BYTES: Final = 64  # processed_tickets.ticket_id VARCHAR(64), its primary key
WAREHOUSE_TEXT_MAX_BYTES: Final = 65_535  # VARCHAR(65535), Redshift's widest: the description's column

# --- What a ticket may carry ------------------------------------------------------------------------------
# The ticket id names the execution (80) and keys the warehouse's rows (64), the item, the archive object and
# the Kinesis record; it is ASCII, so its characters are its bytes. The warehouse's key is the tightest: a
# primary key's type cannot be altered in Redshift, and 64 characters leave 51 digits for the number.
TICKET_ID_MAX_CHARS: Final = min(SFN_EXECUTION_NAME_MAX_CHARS, WAREHOUSE_TICKET_ID_MAX_BYTES)
# The short fields: a form's lengths, within the warehouse's columns at four bytes a character (Redshift's
# VARCHAR(1024) and VARCHAR(2048) count bytes); RFC 5321's 254 for an address.
NAME_MAX_CHARS: Final = 256  # first name, last name, company, product, issue type
FULL_NAME_MAX_CHARS: Final = 512
EMAIL_MAX_CHARS: Final = 254
SUBJECT_MAX_CHARS: Final = 1_000
# A description up to this size (as JSON) travels inline in the execution, the same path as every ticket
# had; a longer one is kept whole in S3 and the execution carries its opening (see ticketflow.carriage).
DESCRIPTION_INLINE_MAX_BYTES: Final = 65_536
# What the language model may answer (150 words asked for); a longer answer does not validate.
REPLY_MAX_CHARS: Final = 4_000
REASONING_MAX_CHARS: Final = 1_000
TRIAGE_MAX_TOKENS: Final = 1_024


def json_size(value: object) -> int:
    """The bytes of `value` as JSON, every non-ASCII character escaped (see the module's note)."""
    return len(json.dumps(value, separators=(",", ":")))


def utf8_prefix(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` within `max_bytes` of UTF-8, never splitting a character."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def at_most(limit: int, what: str) -> AfterValidator:
    """A validator refusing a text longer than `limit` characters, naming the limit and why it is there."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise PydanticCustomError(
                "too_long",
                "{length} characters, over the {limit} {what}",
                {"length": f"{len(value):,}", "limit": f"{limit:,}", "what": what},
            )
        return value

    return AfterValidator(check)


TICKET_ID: Final = at_most(
    TICKET_ID_MAX_CHARS,
    "of the warehouse's ticket_id (Redshift VARCHAR(64); the id also names the execution)",
)
NAME: Final = at_most(NAME_MAX_CHARS, "ticketflow keeps of a name (docs/limits.md)")
FULL_NAME: Final = at_most(FULL_NAME_MAX_CHARS, "ticketflow keeps of a full name (docs/limits.md)")
EMAIL: Final = at_most(EMAIL_MAX_CHARS, "of an email address (RFC 5321)")
SUBJECT: Final = at_most(SUBJECT_MAX_CHARS, "ticketflow keeps of a subject (docs/limits.md)")
REPLY: Final = at_most(REPLY_MAX_CHARS, "ticketflow stores of a reply (docs/limits.md)")
REASONING: Final = at_most(REASONING_MAX_CHARS, "ticketflow stores of a reasoning (docs/limits.md)")


def kinesis_record_problem(data: bytes, partition_key: str) -> str | None:
    """Why Kinesis would refuse this record for its size (data and partition key), or None."""
    size = len(data) + len(partition_key.encode("utf-8"))
    if size > KINESIS_RECORD_MAX_BYTES:
        return (
            f"the Kinesis record would be {size:,} bytes with its partition key, over the"
            f" {KINESIS_RECORD_MAX_BYTES:,} (1 MiB) a record holds"
        )
    return None
