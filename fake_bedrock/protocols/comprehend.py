"""Amazon Comprehend `DetectSentiment` and `BatchDetectSentiment` over JSON 1.1, with the real limits.

- a missing member: ValidationException (Coral's "Value null at 'text' failed to satisfy constraint");
- a language code outside the model's enum: ValidationException (Coral's "Member must satisfy enum value
  set", as AWS's front end validates every enum; it answers so even for a code in the enum that an
  operation does not support, boto/boto3#4673);
- a document over 5,000 bytes of UTF-8: TextSizeLimitExceededException (the whole batch fails, too);
- more than 25 documents: BatchSizeLimitExceededException;
- a document that is not valid Unicode text: InvalidRequestException (Reason INVALID_DOCUMENT), or an
  ErrorList entry for that document in a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_bedrock.protocols.errors import ServiceError, constraint_errors, not_null
from fake_bedrock.stand_ins.sentiment import analyse
from fake_bedrock.wire import JsonObject

TARGET_PREFIX = "Comprehend_20171127."
MAX_TEXT_BYTES = 5000
MAX_BATCH_SIZE = 25
LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW")
OPERATIONS = {"DetectSentiment": "detect_sentiment", "BatchDetectSentiment": "batch_detect_sentiment"}


def _check_language(language: Any) -> str:
    if not isinstance(language, str) or language not in LANGUAGES:
        raise constraint_errors(
            [
                f"Value '{language}' at 'languageCode' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(LANGUAGES)}]"
            ]
        )
    return language


def _encoded_size(text: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as error:  # a lone surrogate: not a document Comprehend can read
        raise ServiceError(
            "InvalidRequestException",
            "The document is not valid UTF-8 text.",
            {"Reason": "INVALID_DOCUMENT", "Detail": {"Reason": "UNSUPPORTED_DOC_TYPE"}},
        ) from error


def _check_size(text: str) -> None:
    size = _encoded_size(text)
    if size > MAX_TEXT_BYTES:
        raise ServiceError(
            "TextSizeLimitExceededException",
            f"Input text size exceeds limit. Max length of request text allowed is {MAX_TEXT_BYTES} bytes "
            f"while in this request the text size is {size} bytes",
        )


def _require(body: JsonObject, members: dict[str, type]) -> None:
    problems = [not_null(wire[0].lower() + wire[1:]) for wire in members if body.get(wire) is None]
    if problems:
        raise constraint_errors(problems)
    for wire, kind in members.items():
        if not isinstance(body[wire], kind):
            raise ServiceError("SerializationException", f"Unexpected type for member {wire}.")
    texts = body.get("TextList", [body.get("Text")])
    if any(not isinstance(t, str) for t in texts):
        raise ServiceError("SerializationException", "Expected strings in the text members.")
    if any(t == "" for t in texts) or texts == []:
        member = "text" if "Text" in members else "textList"
        raise constraint_errors(
            [
                f"Value at '{member}' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1"
            ]
        )


def _result(text: str) -> JsonObject:
    label, scores = analyse(text)
    return {
        "Sentiment": label,
        "SentimentScore": {k: float(scores[k]) for k in ("Positive", "Negative", "Neutral", "Mixed")},
    }


def detect_sentiment(body: JsonObject) -> JsonObject:
    _require(body, {"Text": str, "LanguageCode": str})
    _check_language(body["LanguageCode"])
    _check_size(body["Text"])
    return _result(body["Text"])


def batch_detect_sentiment(body: JsonObject) -> JsonObject:
    _require(body, {"TextList": list, "LanguageCode": str})
    texts: list[str] = body["TextList"]
    if len(texts) > MAX_BATCH_SIZE:
        raise ServiceError(
            "BatchSizeLimitExceededException",
            f"The number of documents in the request exceeds the limit of {MAX_BATCH_SIZE}. "
            f"Request contained {len(texts)} documents.",
        )
    _check_language(body["LanguageCode"])
    results: list[JsonObject] = []
    errors: list[JsonObject] = []
    for index, text in enumerate(texts):
        try:
            _check_size(text)
        except ServiceError as error:
            if error.code != "InvalidRequestException":
                raise
            errors.append({"Index": index, "ErrorCode": "INVALID_DOCUMENT", "ErrorMessage": error.message})
            continue
        results.append({"Index": index, **_result(text)})
    return {"ResultList": results, "ErrorList": errors}


HANDLERS: dict[str, Callable[[JsonObject], JsonObject]] = {
    "detect_sentiment": detect_sentiment,
    "batch_detect_sentiment": batch_detect_sentiment,
}
