"""One ticket's journey across every service it touched: the one source of truth the CLI (`ticketflow
trace`) and the local console read through.

The correlation (`timeline.correlate`: evidence → ordered spans and gaps) is pure; `fetch.gather` reads the
evidence from the services.
"""

from __future__ import annotations

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.journey.fetch import gather
from ticketflow_dev.journey.model import Journey, Span
from ticketflow_dev.journey.timeline import correlate
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.settings import Settings

__all__ = ["Journey", "Span", "trace_ticket"]


def trace_ticket(clients: Clients, outputs: StackOutputs, settings: Settings, ticket_id: str) -> Journey:
    """The ticket's timeline, as far as the services still keep it (what they do not is in `gaps`)."""
    return correlate(gather(clients, outputs, settings, ticket_id))
