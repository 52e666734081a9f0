"""Injected faults: rules in the AWS fault proxy and in fake_bedrock's admin endpoint."""
