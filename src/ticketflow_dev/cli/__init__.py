"""The `ticketflow` command-line tool; each command group is a module of its own."""
