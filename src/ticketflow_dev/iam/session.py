"""The end of an e2e session's IAM check: the state machine's and AWS's own requests evaluated, and the
run's requests compared with the committed recording (or written to it, when refreshing)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.iam.after_the_fact import Checked, check_after_the_fact
from ticketflow_dev.iam.policy_file import deployed_resolver, policy_file, read_policies
from ticketflow_dev.iam.run_recording import (
    COMMITTED,
    REFRESH_TARGET,
    RunRecording,
    differences,
    read_committed,
    unique,
    write_committed,
)
from ticketflow_infra.settings import Settings
from ticketflow_parity.iam.recording import Recorded

REFRESH_VARIABLE = "TICKETFLOW_IAM_RECORDING"  # "refresh": write the recording instead of comparing


@dataclass(frozen=True)
class RunOutcome:
    records: list[Recorded]
    denials: list[str]  # what AWS would have denied the state machine or a service acting for a role


def after_the_run(settings: Settings, clients: Clients, recording: RunRecording) -> RunOutcome:
    calls = recording.function_calls()
    checked: list[Checked] = []
    if policy_file(settings).exists():
        try:
            resolver = deployed_resolver(clients("cloudformation"), settings.stack_name)
        except ClientError as error:
            if "does not exist" not in str(error):
                raise
        else:  # a stack no longer deployed made no requests left to check
            stack = read_policies(settings)
            callers = {record.caller for record in calls}
            invoked = {name for name in stack.functions if f"<{stack.names.get(name)}>" in callers}
            checked = check_after_the_fact(
                stack, resolver, clients("stepfunctions"), invoked, recording.started
            )
    denials = [denial for denial in (c.denial() for c in checked) if denial is not None]
    return RunOutcome(unique([*calls, *(c.record for c in checked)]), denials)


def verdict(
    outcome: RunOutcome,
    *,
    complete: bool,
    refresh: bool,
    recording: Path = COMMITTED,
    candidate: Path | None = None,
) -> str | None:
    """Why the suite fails (None: it passes): a denial, or requests that differ from the recording. When
    refreshing, a complete, green run writes the recording; any other run writes `candidate` for review."""
    if outcome.denials:
        return "AWS would deny these requests (checked after the run):\n" + "\n".join(outcome.denials)
    if refresh:
        if not complete:
            written = ""
            if candidate is not None:
                write_committed(outcome.records, candidate)
                written = f"; what it would have recorded is in {candidate}"
            return (
                f"{REFRESH_TARGET} records a whole, green e2e run only: this one was partial or had failures,"
                f" so the recording was left as it was{written}"
            )
        write_committed(outcome.records, recording)
        return None
    return differences(outcome.records, read_committed(recording), complete=complete)
