"""The stack's synthesized templates, once a session, for the IAM check's tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.unit.conftest import PROFILES, synthesize


@pytest.fixture(scope="session")
def templates(stub_shared_code: Path) -> Mapping[str, dict[str, Any]]:
    """Each profile's template as `cdk synth` writes it (its account and Region, infra/cdk.json's context)."""
    return {
        profile: dict(
            Template.from_stack(synthesize(profile, stub_shared_code, like_the_cli=True)[1]).to_json()
        )
        for profile in PROFILES
    }
