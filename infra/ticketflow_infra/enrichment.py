"""Enrichment: the DetectSentiment (Comprehend) and GenerateResponse (Bedrock) functions."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ticketflow_infra.functions import FunctionDefaults, pipeline_function
from ticketflow_infra.security import acknowledge, finding_resource, role_of


def profile_model(model_id: str) -> str | None:
    """The foundation model a cross-Region inference profile id (`us.amazon.nova-pro-v1:0`) routes to."""
    return model_id.split(".", 1)[1] if model_id.split(".", 1)[0] in ("us", "eu", "apac") else None


def bedrock_model_arns(model_id: str) -> list[str]:
    """The ARNs Converse is authorised against: a model, or an inference profile and its models."""
    foundation_model = profile_model(model_id)
    if foundation_model is None:
        return [f"arn:{cdk.Aws.PARTITION}:bedrock:{cdk.Aws.REGION}::foundation-model/{model_id}"]
    return [
        f"arn:{cdk.Aws.PARTITION}:bedrock:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:inference-profile/{model_id}",
        # A cross-region profile routes to the model in any of its regions.
        f"arn:{cdk.Aws.PARTITION}:bedrock:*::foundation-model/{foundation_model}",
    ]


class Enrichment(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: FunctionDefaults,
        bedrock_model_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.detect_sentiment: lambda_.Function = pipeline_function(
            self, "DetectSentiment", folder="detect_sentiment", defaults=functions
        )
        self.detect_sentiment.add_to_role_policy(
            # Comprehend's DetectSentiment has no resource-level permissions.
            iam.PolicyStatement(actions=["comprehend:DetectSentiment"], resources=["*"])
        )
        acknowledge(
            role_of(self.detect_sentiment),
            "AwsSolutions-IAM5[Resource::*]",
            "comprehend:DetectSentiment has no resource-level permissions; it is the only action on *.",
        )
        self.generate_response: lambda_.Function = pipeline_function(
            self,
            "GenerateResponse",
            folder="generate_response",
            defaults=functions,
            environment={"BEDROCK_MODEL_ID": bedrock_model_id},
            timeout=cdk.Duration.seconds(60),
        )
        self.generate_response.add_to_role_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel"], resources=bedrock_model_arns(bedrock_model_id)
            )
        )
        for arn in bedrock_model_arns(bedrock_model_id):
            if "*" in arn:
                acknowledge(
                    role_of(self.generate_response),
                    f"AwsSolutions-IAM5[Resource::{finding_resource(self, arn)}]",
                    "The inference profile routes to this one model in any of its Regions: only the Region"
                    " is *.",
                )
