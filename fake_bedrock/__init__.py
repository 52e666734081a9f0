"""fake_bedrock: a stand-in HTTP service for Amazon Bedrock Runtime and Amazon Comprehend.

It speaks the real wire protocols (REST-JSON for Bedrock Runtime, JSON 1.1 for Comprehend), so unmodified
boto3 clients reach it through `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` / `AWS_ENDPOINT_URL_COMPREHEND`. It is
its own service (its own image): standard library only, and it never imports `ticketflow`.

Its layers, each importing only from the ones listed before it:

- `wire`: the shared vocabulary (JSON bodies, request context, stop reasons, kinds of bad output);
  `tokens`: the stand-in tokenizer; `malformed`: bad output as fault injection asks for it
- `stand_ins/`: what the stand-in models say: Comprehend's sentiment, a ticket's priority and reply
- `engine`: the generic completion engine (text or a tool call), given what to say as an `engine.Author`
- `backend`: what answers a checked request: a `Backend` for Converse, a `Generate` for InvokeModel
- `protocols/`: Comprehend, Converse and InvokeModel on the wire, the services' errors, Bedrock model ids
- `local_model`: the engine speaking for the ticket stand-ins; the Converse backend by default
- `upstream/`: the optional real model behind Converse (an OpenAI-compatible server), the other backend
- `faults`: seeded fault injection (errors, latency, bad output)
- `server`, `__main__`: the HTTP wiring, and `python -m fake_bedrock`
"""
