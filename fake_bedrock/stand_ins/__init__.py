"""What the stand-in models say: Comprehend's sentiment, and a ticket's triage (priority and reply).

Pure functions of the text, no protocol and no HTTP: the protocol adapters and the engine call them."""
