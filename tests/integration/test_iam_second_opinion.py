"""A second opinion on the IAM evaluator: MiniStack's own (`ministack/core/iam_evaluator.py`, in the venv the
local stack installs the emulator into) decides some of the IAM User Guide's examples that
tests/unit/parity/test_iam_evaluation.py holds ticketflow's evaluator to, and both must agree."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import LocalStack
from ticketflow_dev.local.service import Layout
from ticketflow_parity.iam.evaluation import Policy, Principal, Request, evaluate

ACCOUNT = "123456789012"
ROLE = Principal(f"arn:aws:iam::{ACCOUNT}:role/carlossalazar", "session-1")


@pytest.fixture(scope="module")
def ministack(local_stack: LocalStack) -> ModuleType:
    """MiniStack's evaluator, from the venv the running local stack's emulator was installed in."""
    venv = Layout.of(local_stack.settings).venvs / "emulator" / "lib"
    found = sorted(venv.glob("python3*/site-packages/ministack/core/iam_evaluator.py"))
    if not found:
        pytest.skip(f"no MiniStack in {venv}: the stack target's emulator is not one this tool installed")
    spec = importlib.util.spec_from_file_location("ministack_iam_evaluator", found[0])
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


SECOND_OPINION = [
    ({"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}, "iam:GetUser", "*"),
    ({"Effect": "Allow", "Action": "SQS:SendMessage", "Resource": "*"}, "sqs:sendmessage", "*"),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "iam:CreateUser", "*"),
    (
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*/test/*"},
        "s3:GetObject",
        "arn:aws:s3:::b/1/2/test/x",
    ),
    (
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*/test/*"},
        "s3:GetObject",
        "arn:aws:s3:::b/1-test/x",
    ),
    (
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"},
        "s3:GetObject",
        "arn:aws:s3:::c/x",
    ),
    (
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::1:user/Bob"},
        "iam:GetUser",
        "arn:aws:iam::1:user/bob",
    ),
    (
        {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        },
        "s3:GetObject",
        "*",
    ),
]


@pytest.mark.parametrize(("statement", "action", "resource"), SECOND_OPINION)
def test_ministacks_evaluator_agrees_on_the_examples(
    ministack: ModuleType, statement: Mapping[str, Any], action: str, resource: str
) -> None:
    # GIVEN MiniStack's evaluator, asked over HTTPS as AWS sees an SDK call
    context = ministack.EvalContext(
        principal_arn=ROLE.session_arn,
        principal_type="AssumedRole",
        principal_account=ACCOUNT,
        action=action,
        resource_arn=resource,
        region="us-east-1",
        secure_transport=True,
    )
    document = {"Version": "2012-10-17", "Statement": [statement]}
    # WHEN both decide
    theirs = ministack.evaluate(context, [ministack.parse_policy_document(document)]).decision == "Allow"
    ours = evaluate(Request(ROLE, action, resource), [Policy.parse("p", document)], ()).allowed
    # THEN they agree
    assert ours == theirs
