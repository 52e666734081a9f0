"""Which model a model id names, resolved the way Bedrock Runtime resolves it.

Accepted: a base model id (`amazon.nova-pro-v1:0`), a cross-region inference profile id
(`us.amazon.nova-pro-v1:0`), and the ARNs of either. Rejected like the real service: a malformed id
(ValidationException quoting the pattern), an unknown id ("The provided model identifier is invalid."), a
retired model (ResourceNotFoundException), a model served only through an inference profile called by its
bare id, and the ARN of an account resource (provisioned or custom model) that this stand-in cannot hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from fake_bedrock.protocols.errors import ServiceError, validation


class Family(StrEnum):
    """The request and response body format InvokeModel uses for the model."""

    NOVA = "nova"
    CLAUDE = "claude"
    TITAN = "titan"


@dataclass(frozen=True)
class ModelSpec:
    model_id: str
    family: Family
    max_output_tokens: int
    profile_only: bool = False  # served only through a cross-region inference profile

    @property
    def supports_tools(self) -> bool:
        return self.family is not Family.TITAN


_CATALOG: tuple[ModelSpec, ...] = (
    ModelSpec("amazon.nova-micro-v1:0", Family.NOVA, 10_000),
    ModelSpec("amazon.nova-lite-v1:0", Family.NOVA, 10_000),
    ModelSpec("amazon.nova-pro-v1:0", Family.NOVA, 10_000),
    ModelSpec("amazon.nova-premier-v1:0", Family.NOVA, 32_000, profile_only=True),
    ModelSpec("anthropic.claude-3-haiku-20240307-v1:0", Family.CLAUDE, 4_096),
    ModelSpec("anthropic.claude-3-5-haiku-20241022-v1:0", Family.CLAUDE, 8_192),
    ModelSpec("anthropic.claude-3-5-sonnet-20240620-v1:0", Family.CLAUDE, 8_192),
    ModelSpec("anthropic.claude-3-5-sonnet-20241022-v2:0", Family.CLAUDE, 8_192, profile_only=True),
    ModelSpec("anthropic.claude-3-7-sonnet-20250219-v1:0", Family.CLAUDE, 64_000, profile_only=True),
    ModelSpec("anthropic.claude-sonnet-4-20250514-v1:0", Family.CLAUDE, 64_000, profile_only=True),
    ModelSpec("anthropic.claude-sonnet-4-5-20250929-v1:0", Family.CLAUDE, 64_000, profile_only=True),
    ModelSpec("anthropic.claude-haiku-4-5-20251001-v1:0", Family.CLAUDE, 64_000, profile_only=True),
    ModelSpec("anthropic.claude-opus-4-1-20250805-v1:0", Family.CLAUDE, 32_000, profile_only=True),
    ModelSpec("amazon.titan-text-express-v1", Family.TITAN, 8_192),
    ModelSpec("amazon.titan-text-lite-v1", Family.TITAN, 4_096),
    ModelSpec("amazon.titan-text-premier-v1:0", Family.TITAN, 3_072),
)
CATALOG: dict[str, ModelSpec] = {spec.model_id: spec for spec in _CATALOG}
RETIRED = frozenset(
    {
        "anthropic.claude-v2",
        "anthropic.claude-v2:1",
        "anthropic.claude-instant-v1",
        "anthropic.claude-3-sonnet-20240229-v1:0",
        "anthropic.claude-3-opus-20240229-v1:0",
    }
)
PROFILE_PREFIXES = ("us", "eu", "apac", "global", "us-gov", "jp", "au", "ca")

# The modelId pattern of the service model (InvokeModelIdentifier in botocore's bedrock-runtime model).
_ID_PATTERN = re.compile(
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-"
    r"]{1,63}/[a-z0-9]{12})|(:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,6"
    r"3}))|([0-9]{12}:imported-model/[a-z0-9]{12})|([0-9]{12}:provisioned-model/[a-z0-9]{12})|([0-9]{1"
    r"2}:custom-model-deployment/[a-z0-9]{12})|([0-9]{12}:(inference-profile|application-inference-pro"
    r"file)/[a-zA-Z0-9-:.]+)))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|(([0-9a-zA"
    r"-Z][_-]?)+)|([a-zA-Z0-9-:.]+)$|(^(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt/[0-9"
    r"a-zA-Z]{10}(?::[0-9]{1,5})?))$|(^arn:aws:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[a-zA-Z0-9-]+$)"
    r"|(^arn:aws(-[^:]+)?:bedrock:([0-9a-z-]{1,20}):([0-9]{12}):(default-)?prompt-router/[a-zA-Z0-9-:."
    r"]+$)"
)
_ARN = re.compile(r"arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:([0-9]{12})?:([a-z-]+)/(.+)")
_MODEL_ID_MAX = 2048
INVALID_IDENTIFIER = "The provided model identifier is invalid."
RETIRED_MESSAGE = (
    "This model version has reached the end of its life. "
    "Please refer to the AWS documentation for more details."
)


def resolve(model_id: str) -> ModelSpec:
    """The model `model_id` (already URL-decoded) names; raises ServiceError as Bedrock would."""
    if not model_id or len(model_id) > _MODEL_ID_MAX or not _ID_PATTERN.fullmatch(model_id):
        raise validation(
            f"1 validation error detected: Value '{model_id}' at 'modelId' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: " + _ID_PATTERN.pattern
        )
    arn = _ARN.fullmatch(model_id)
    if arn:
        return _resolve_arn(resource_type=arn.group(2), resource_id=arn.group(3))
    return _resolve_id(model_id)


def _resolve_arn(resource_type: str, resource_id: str) -> ModelSpec:
    if resource_type in ("foundation-model", "inference-profile"):
        return _resolve_id(resource_id)
    raise ServiceError("ResourceNotFoundException", f"The specified {resource_type} was not found.")


def _resolve_id(model_id: str) -> ModelSpec:
    prefix, _, rest = model_id.partition(".")
    via_profile = prefix in PROFILE_PREFIXES and rest in CATALOG
    base = rest if via_profile else model_id
    if base in RETIRED or (prefix in PROFILE_PREFIXES and rest in RETIRED):
        raise ServiceError("ResourceNotFoundException", RETIRED_MESSAGE)
    spec = CATALOG.get(base)
    if spec is None or (via_profile and spec.family is Family.TITAN):
        raise validation(INVALID_IDENTIFIER)
    if spec.profile_only and not via_profile:
        raise validation(
            f"Invocation of model ID {base} with on-demand throughput isn't supported. Retry your request "
            "with the ID or ARN of an inference profile that contains this model."
        )
    return spec
