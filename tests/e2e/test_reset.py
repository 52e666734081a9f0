"""End to end: `ticketflow reset` loads the young state while the template is unchanged (the same fresh
deployment, none of the tickets put since), and deploys into an empty emulator, saving that, once the
template changed (here a setting the CDK app reads). A snapshot taken first puts the session's stack back
whatever happens."""

from __future__ import annotations

import json
import secrets

import pytest

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import fresh_tickets, raw_item, ticketflow
from ticketflow_dev.local.service import Layout
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.stack.young_state import find, fingerprint
from ticketflow_dev.targets import stack_target
from ticketflow_dev.tickets import producer
from ticketflow_infra.settings import Settings

pytestmark = [pytest.mark.proof, pytest.mark.restarts_stack]
DEADLINE = 240.0


def young_outputs(settings: Settings) -> str:
    """The outputs saved with the young state of the template these settings deploy."""
    current = stack_target(settings).function_settings()
    young = find(Layout.of(current), fingerprint(current))
    assert young is not None, "no young state of this template"
    return (young.folder / "outputs" / outputs_file(current).name).read_text(encoding="utf-8")


def test_reset_loads_the_young_state_and_deploys_afresh_once_the_template_changed(
    deployed_stack: DeployedStack, local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not local_stack.owned:
        pytest.skip("TICKETFLOW_TEST_STACK=current: young states are loaded into the suite's own stack only")
    # GIVEN a ticket answered on the session's stack, and a snapshot of that stack
    settings, name = local_stack.settings, f"e2e-reset-{secrets.token_hex(4)}"
    [ticket] = fresh_tickets(1, seed=131)
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, [ticket])
    assert deployed_stack.tracker().wait_for([ticket.ticket_id], timeout=DEADLINE)
    ticketflow("snapshot", "save", name)
    try:
        # WHEN the emulator is reset with the template unchanged
        unchanged = ticketflow("reset")

        # THEN the young state was loaded: its deployment, and not the ticket put since it was taken
        assert "loaded the young state" in unchanged
        assert outputs_file(settings).read_text(encoding="utf-8") == young_outputs(settings)
        young = json.loads(young_outputs(settings))[settings.stack_name]
        dynamodb = deployed_stack.clients("dynamodb")
        key = {"ticket_id": {"S": ticket.ticket_id}}
        assert "Item" not in dynamodb.get_item(TableName=young["TableName"], Key=key, ConsistentRead=True)

        # WHEN a setting the template is made from changes, and the emulator is reset again
        monkeypatch.setenv("TICKETFLOW_MAX_IN_FLIGHT", "11")
        changed = ticketflow("reset")

        # THEN it deployed into an empty emulator and saved that as the new template's young state
        assert "a fresh deployment, saved as the young state" in changed
        changed_settings = Settings.load()
        assert young_outputs(changed_settings) == outputs_file(changed_settings).read_text(encoding="utf-8")
        assert json.loads(young_outputs(changed_settings)) != json.loads(young_outputs(settings))
    finally:
        monkeypatch.delenv("TICKETFLOW_MAX_IN_FLIGHT", raising=False)
        ticketflow("snapshot", "load", name)
        ticketflow("snapshot", "delete", name)

    # AND the session's stack is back and works on
    assert raw_item(deployed_stack, ticket.ticket_id) is not None
    [after] = fresh_tickets(1, seed=137)
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, [after])
    final = deployed_stack.tracker().wait_for([after.ticket_id], timeout=DEADLINE)
    assert final[after.ticket_id].status == "RESPONDED"
