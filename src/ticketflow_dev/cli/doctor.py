"""`ticketflow doctor`: check this machine's prerequisites and say what to do about each that fails."""

from __future__ import annotations

import typer

from ticketflow_dev.cli.common import ExitStatus, err
from ticketflow_dev.stack.doctor import Finding, run_checks
from ticketflow_infra.settings import Settings

_MARK = {"ok": "[green]✓[/green]", "warn": "[yellow]![/yellow]", "fail": "[red]✗[/red]"}


def _show(finding: Finding) -> None:
    err.print(
        f"{_MARK[finding.status]} {finding.check:<14} {finding.detail}", highlight=False, soft_wrap=True
    )
    if finding.fix and finding.status != "ok":
        err.print(f"  {'':<14} → {finding.fix}", highlight=False, soft_wrap=True)


def doctor() -> None:
    """Check Python, Node, the CDK CLI, free ports, disk, the emulator's venv and the Lambda wheels."""
    current = Settings.load()  # the doctor reports what the target cannot resolve, as a finding
    err.print("checking this machine (the Lambda wheels' check builds them once: ~10 s)")
    findings = run_checks(current, on_finding=_show)
    failed = [finding for finding in findings if finding.status == "fail"]
    if failed:
        err.print(f"[red]{len(failed)} of {len(findings)} checks failed[/red]: fix them, then run it again")
        raise typer.Exit(ExitStatus.FAILED)
    err.print(f"[green]all {len(findings)} checks passed[/green]")
