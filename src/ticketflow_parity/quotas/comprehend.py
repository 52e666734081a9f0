"""Comprehend: each document within 5,000 bytes of UTF-8, a batch within 25 documents."""

from __future__ import annotations

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.sizes import utf8_size

MAX_TEXT_BYTES = 5000
MAX_BATCH = 25


def _too_large(size: int) -> Refusal:
    return Refusal(
        "TextSizeLimitExceededException",
        f"Input text size exceeds limit. Max length of request text allowed is {MAX_TEXT_BYTES} bytes "
        f"while in this request the text size is {size} bytes",
    )


def detect(call: Call) -> Refusal | None:
    size = utf8_size(call.params.get("Text", ""))
    return _too_large(size) if size > MAX_TEXT_BYTES else None


def batch_detect(call: Call) -> Refusal | None:
    texts = call.params.get("TextList")
    if not isinstance(texts, list):
        return None
    if len(texts) > MAX_BATCH:
        return Refusal(
            "BatchSizeLimitExceededException",
            f"The number of documents in the request exceeds the limit of {MAX_BATCH}. "
            f"Request contained {len(texts)} documents.",
        )
    largest = max((utf8_size(text) for text in texts), default=0)
    return _too_large(largest) if largest > MAX_TEXT_BYTES else None


QUOTAS: dict[str, Check] = {
    "DetectSentiment": detect,
    "DetectEntities": detect,
    "DetectKeyPhrases": detect,
    "DetectDominantLanguage": detect,
    "DetectPiiEntities": detect,
    "DetectSyntax": detect,
    "DetectTargetedSentiment": detect,
    "BatchDetectSentiment": batch_detect,
    "BatchDetectEntities": batch_detect,
    "BatchDetectKeyPhrases": batch_detect,
    "BatchDetectDominantLanguage": batch_detect,
    "BatchDetectSyntax": batch_detect,
    "BatchDetectTargetedSentiment": batch_detect,
}
