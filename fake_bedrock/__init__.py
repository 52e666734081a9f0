"""fake_bedrock: a stand-in HTTP service for Amazon Bedrock Runtime and Amazon Comprehend.

It speaks the real wire protocols (REST-JSON for Bedrock Runtime, JSON 1.1 for Comprehend), so unmodified
boto3 clients reach it through `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` / `AWS_ENDPOINT_URL_COMPREHEND`. What the
"model" answers is decided in `stand_ins` (sentiment, triage); the rest adds the protocols, the
validation the real services apply, and seeded fault injection. It never imports `ticketflow`.
"""
