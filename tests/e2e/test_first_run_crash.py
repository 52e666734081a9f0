"""End to end, in a fresh home of their own: the emulator killed -9 on a first run, as on a new clone (the
first deploy under way, nothing ever saved; or right after the first `ticketflow demo`), then one
`ticketflow up`, run as the user runs it. The home is deeper than a Unix socket's path may be long."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LocalStack
from tests.e2e.crashes import (
    DEADLINE,
    answered_items,
    assert_back,
    fresh_home,
    kill_9,
    one_ticket_goes_through,
)
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.stack.crash_loss import stored_statuses
from ticketflow_dev.stack.deploy import TOOLKIT_STACK, find_stack


@pytest.mark.proof
@pytest.mark.restarts_stack
def test_an_emulator_killed_during_the_first_deploy_is_deployed_by_one_up(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    with fresh_home(tmp_path, local_stack.settings) as home:
        # GIVEN a fresh home's stack up, its first deploy under way: bootstrapped (its asset bucket on disk,
        # the bootstrap stack in memory only) and the stack being created, when the emulator is killed
        home.ticketflow("up")
        deploy = home.start("deploy")
        cloudformation = Clients(home.settings)("cloudformation")
        wait_until(
            lambda: find_stack(cloudformation, home.settings.stack_name) is not None,
            timeout=DEADLINE,
            interval=0.2,
            description="the stack's creation to begin",
        )
        assert find_stack(cloudformation, TOOLKIT_STACK) is not None
        kill_9(home.settings, "emulator")
        deploy_output, _ = deploy.communicate(timeout=DEADLINE)
        print(deploy_output)  # noqa: T201

        # WHEN the user runs `ticketflow up`
        recovery = home.ticketflow("up")

        # THEN the deploy had said in one line what to do, and `up` removed the orphaned asset bucket and
        # deployed; the stack works
        assert deploy.returncode == 1
        assert "the emulator stopped answering during the deploy" in deploy_output
        assert "a deploy of stack Ticketflow was under way at the crash: deploying again" in recovery.output
        assert "removing cdk-hnb659fds-assets-" in recovery.output
        assert "recovered from the emulator's crash" in recovery.output
        one_ticket_goes_through(home.stack(), seed=101)
        print(f"first deploy killed: `up` deployed in {recovery.seconds:.1f} s (0 tickets answered before)")  # noqa: T201


@pytest.mark.proof
@pytest.mark.restarts_stack
def test_an_emulator_killed_after_the_first_demo_comes_back_with_every_answered_ticket(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    with fresh_home(tmp_path, local_stack.settings) as home:
        # GIVEN a fresh home's first `ticketflow demo` (up, deploy, 20 tickets answered), then the emulator
        # killed with no stop ever run
        home.ticketflow("demo", "--count", "20")
        stack = home.stack()
        ticket_ids = sorted(stored_statuses(stack.clients("dynamodb"), stack.outputs.table_name))
        before = answered_items(stack, ticket_ids)
        assert len(before) == 20
        kill_9(home.settings, "emulator")

        # WHEN the user runs `ticketflow up`
        recovery = home.ticketflow("up")

        # THEN the deploy had been saved (the stack came back under the same names), every answered ticket is
        # back, rebuilt from its archive object as it was, and none is named lost; the stack works
        assert "stack Ticketflow: deployed before the last save, so it came back" in recovery.output
        assert "20 of 20 answered tickets rebuilt" in recovery.output
        assert "no ticket this tool put since the last save was lost unanswered" in recovery.output
        assert home.stack().outputs == stack.outputs
        assert_back(stack, before, "killed after the first demo", recovery.seconds)
        one_ticket_goes_through(stack, seed=103)
