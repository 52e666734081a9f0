"""A template's state machine definitions as Step Functions receives them, and asl-validator's verdict on one.

CDK uploads a definition read from a file (`DefinitionBody.from_file`) as an asset, and CloudFormation passes
its `DefinitionSubstitutions` to Step Functions, which replaces each `${key}` in the text. Here each value is
a stand-in of the right shape: a literal as it is, a `Ref` or `Fn::GetAtt` an ARN or name built from the
logical id, in the stack's region and a placeholder account.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ticketflow_infra.paths import REPO_ROOT

ASL_VALIDATOR = REPO_ROOT / "node_modules" / ".bin" / "asl-validator"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
_ACCOUNT = "123456789012"  # CloudFormation fills in the real one; the check needs its shape only
# The resource types the definitions' substitutions name: ARN service, ARN resource part, and whether `Ref`
# gives the ARN (else the name). A new one fails the check until it is added here.
_ARNS = {
    "AWS::Lambda::Function": ("lambda", "function:{}", False),
    "AWS::DynamoDB::GlobalTable": ("dynamodb", "table/{}", False),
    "AWS::SNS::Topic": ("sns", "{}", True),
}
# asl-validator prints one `CODE: message` line per error after its `✕ ... is invalid:` line.
_ERROR_LINE = re.compile(r"^\s*([A-Z][A-Z_]+): (.+)$")
_TIMEOUT = 60


def received_definitions(
    template: Mapping[str, Any], assets: Mapping[str, Path], region: str
) -> dict[str, str]:
    """Each state machine's definition text by logical id; `assets` maps an uploaded object key to its
    file in the cloud assembly."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    definitions = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != STATE_MACHINE:
            continue
        properties = resource["Properties"]
        if "DefinitionS3Location" not in properties:
            raise ValueError(
                f"{logical_id}: the template checks read a definition from its asset"
                " (DefinitionBody.from_file); teach state_machine_definitions.py to read this one"
            )
        text = assets[properties["DefinitionS3Location"]["Key"]].read_text(encoding="utf-8")
        for key, value in properties.get("DefinitionSubstitutions", {}).items():
            text = text.replace(f"${{{key}}}", _stand_in(value, resources, region))
        definitions[logical_id] = text
    return definitions


def _stand_in(value: object, resources: Mapping[str, Any], region: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and list(value) == ["Ref"]:
        return _identity(value["Ref"], resources, region, arn=False)
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"] and value["Fn::GetAtt"][1] == "Arn":
        return _identity(value["Fn::GetAtt"][0], resources, region, arn=True)
    raise ValueError(f"no stand-in for the substitution value {value!r}: add its kind to _stand_in")


def _identity(logical_id: str, resources: Mapping[str, Any], region: str, *, arn: bool) -> str:
    resource_type = resources[logical_id]["Type"]
    if resource_type not in _ARNS:
        raise ValueError(f"no stand-in for {resource_type} ({logical_id}): add it to _ARNS")
    service, resource, ref_gives_arn = _ARNS[resource_type]
    if not (arn or ref_gives_arn):
        return logical_id
    return f"arn:aws:{service}:{region}:{_ACCOUNT}:{resource.format(logical_id)}"


def asl_errors(definition: str) -> list[tuple[str, str]]:
    """asl-validator's errors, (code, message), on a definition's text; none when it is valid."""
    if not ASL_VALIDATOR.exists():
        raise FileNotFoundError(f"asl-validator is not installed at {ASL_VALIDATOR}: run `make install`")
    try:
        json.loads(definition)
    except json.JSONDecodeError as error:  # asl-validator would only print a stack trace
        return [("INVALID_JSON", f"not JSON once its substitutions are applied: {error}")]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "definition.asl.json"
        path.write_text(definition, encoding="utf-8")
        result = subprocess.run(
            [str(ASL_VALIDATOR), "--json-path", str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=_TIMEOUT,
        )
    if result.returncode == 0:
        return []
    errors = [(m[1], m[2]) for line in result.stderr.splitlines() if (m := _ERROR_LINE.match(line))]
    output = (result.stderr or result.stdout).strip()
    return errors or [(f"ASL_VALIDATOR_EXIT_{result.returncode}", output)]
