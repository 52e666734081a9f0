"""What every group builds on: AWS clients and sessions, deadline-bound polling, latency statistics."""
