"""Tickets on a deployed stack: put on the stream, followed, read, reconciled, notified, dead-lettered."""
