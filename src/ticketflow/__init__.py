"""ticketflow: the shared domain of the support-ticket pipeline and its command-line tool."""
