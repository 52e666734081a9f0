"""What a crash of the emulator lost, as the report `up` writes and a resumed recovery reads back."""

from __future__ import annotations

from ticketflow_dev.stack.crash_loss import EmulatorLoss
from ticketflow_infra.outputs import StackOutputs

OUTPUTS = StackOutputs.model_validate({key: f"the-{key}" for key in StackOutputs.keys()})  # noqa: SIM118 (a classmethod)


def test_a_loss_survives_its_report_for_a_recovery_resumed_by_a_later_up() -> None:
    # GIVEN what a crash lost: the stack gone, two answered tickets, one put and lost unanswered
    loss = EmulatorLoss(
        stack_name="Ticketflow",
        stack_lost=True,
        outputs=OUTPUTS,
        archived=frozenset({"TKT-20261207-0001", "TKT-20261207-0002"}),
        answered_lost={"TKT-20261207-0001": "tickets/2026/12/07/TKT-20261207-0001.json"},
        put_lost=frozenset({"TKT-20261207-0009"}),
    )

    # WHEN its report is read back
    again = EmulatorLoss.from_report(loss.as_report())

    # THEN it is the same loss, and it says what happened to each kind of ticket
    assert again == loss
    assert again.bucket == "the-BucketName"
    stack, answered, put, unknown = again.lines()
    assert "deployed since the last save, so gone" in stack
    assert answered.startswith("1 tickets answered since the last save lost their DynamoDB items")
    assert put.startswith("1 tickets put since the last save were not answered before the crash and are lost")
    assert "other producers" in unknown
