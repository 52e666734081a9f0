"""The pipeline's own CloudWatch metrics (published by the state machine, alarmed on by the stack)."""

NAMESPACE = "Ticketflow"
TICKETS_FAILED = "TicketsFailed"
