"""A synth with cdk-nag's checks on, as infra/app.py runs them, and its findings.

cdk-nag 3 reports through CDK's policy validation (a failed `app.synth()` and `validation-report.json`), not
through annotations; `synth_checked` reads the report, so a finding cannot hide in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk

from ticketflow_infra.security import check_best_practices


@dataclass(frozen=True)
class NagFinding:
    rule: str
    severity: str
    path: str

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} at {self.path}"


@dataclass(frozen=True)
class Checked:
    stack: cdk.Stack
    outdir: Path  # the cloud assembly
    findings: list[NagFinding]


def validation_findings(outdir: Path) -> list[NagFinding]:
    """Every violation in the cloud assembly's validation report (errors and warnings alike)."""
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    return [
        NagFinding(violation["ruleName"], violation["severity"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


def synth_checked(app: cdk.App, outdir: Path) -> list[NagFinding]:
    """Synthesizes `app` with the checks on; its findings (none when the synth passes)."""
    check_best_practices(app)
    try:
        app.synth()
    except RuntimeError as error:
        if not str(error).startswith("ValidationFailed"):
            raise
        return validation_findings(outdir)
    return []
