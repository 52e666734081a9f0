"""What the stand-in models say: Comprehend's sentiment, and a ticket's triage (priority and reply).

Pure functions of the text, no protocol and no HTTP: Comprehend's adapter and the local model call them."""
