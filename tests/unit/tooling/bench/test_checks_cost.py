"""The offline price of the AWS checks: the pipeline's own requests of a ticket, without and with them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from ticketflow_dev.bench.checks_cost import checks_cpu_per_ticket, local_client
from ticketflow_dev.generation import generator
from ticketflow_parity import PLUGIN_SPEC, PLUGIN_VARIABLE

MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:m"


def test_the_unchecked_clients_are_unchecked_and_the_checked_ones_checked_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a process whose environment names the checks for every client
    monkeypatch.setenv(PLUGIN_VARIABLE, PLUGIN_SPEC)

    # WHEN each kind of client starts an execution whose name AWS refuses (81 characters)
    unchecked = local_client("stepfunctions", checked=False)
    checked = local_client("stepfunctions", checked=True)

    # THEN only the checked one refuses it before sending; the other sends it (nothing listens there)
    with pytest.raises(ClientError, match="ValidationException"):
        checked.start_execution(stateMachineArn=MACHINE, name="n" * 81)
    with pytest.raises(EndpointConnectionError):
        unchecked.start_execution(stateMachineArn=MACHINE, name="n" * 81)


def test_a_batchs_requests_are_measured_both_ways_and_none_is_refused() -> None:
    # GIVEN a batch of generated tickets
    tickets = list(generator.tickets(3, seed=5, first_number=1))

    # WHEN their requests are measured (a refusal would raise)
    cost = checks_cpu_per_ticket(tickets, repeat=1)

    # THEN both runs took CPU, and the difference is what is reported as the checks'
    assert cost["requests_ms_per_ticket_unchecked"] > 0
    assert cost["requests_ms_per_ticket_checked"] > 0
    assert cost["checks_ms_per_ticket"] == pytest.approx(
        cost["requests_ms_per_ticket_checked"] - cost["requests_ms_per_ticket_unchecked"], abs=0.002
    )


def test_a_batch_is_one_transactions_worth() -> None:
    with pytest.raises(ValueError, match="2 to 100 tickets"):
        checks_cpu_per_ticket(list(generator.tickets(1, seed=5, first_number=1)))
