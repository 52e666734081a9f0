"""The optional real model: Converse forwarded to an OpenAI-compatible chat-completions server."""
