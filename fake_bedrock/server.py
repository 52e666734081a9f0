"""The HTTP front: routing, body parsing, fault injection and the admin endpoint.

Routes (every response is JSON with a Content-Length, over HTTP/1.1 keep-alive):
- `GET /health`                                      readiness probe
- `POST /` + `X-Amz-Target: Comprehend_20171127.<Op>`  Comprehend (JSON 1.1)
- `POST /model/{modelId}/converse`                    Bedrock Runtime Converse (REST-JSON)
- `POST /model/{modelId}/invoke`                      Bedrock Runtime InvokeModel
- `GET|PUT|DELETE /_admin/faults`, `GET|DELETE /_admin/stats`   only when started with admin enabled
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from fake_bedrock.backend import Backend
from fake_bedrock.faults import FaultConfig, FaultConfigError, FaultInjector
from fake_bedrock.local_model import LocalModel, generate
from fake_bedrock.protocols import comprehend, model_ids
from fake_bedrock.protocols.converse import converse
from fake_bedrock.protocols.errors import Service, ServiceError
from fake_bedrock.protocols.invoke import invoke_model
from fake_bedrock.wire import JsonObject, RequestContext

LOG = logging.getLogger("fake_bedrock")
_MODEL_ROUTE = re.compile(r"^/model/([^/]+)/([a-z-]+)$")
_BEDROCK_OPERATIONS = {"converse": "converse", "invoke": "invoke_model"}
_MODEL_OUTPUT_OPERATIONS = frozenset({"converse", "invoke_model"})
_MAX_BODY_BYTES = 25 * 1024 * 1024

# (status, extra headers, body)
Reply = tuple[int, dict[str, str], bytes]


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _error_reply(error: ServiceError, service: Service) -> Reply:
    status, headers, body = error.render(service)
    content_type = "application/json" if service is Service.BEDROCK else "application/x-amz-json-1.1"
    return status, {"Content-Type": content_type, **headers}, _json_bytes(body)


class FakeBedrockServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        *,
        admin: bool = False,
        faults: FaultConfig | None = None,
        upstream: Backend | None = None,
    ) -> None:
        super().__init__(address, Handler)
        self.admin = admin
        self.injector = FaultInjector(faults)
        # Converse is answered by a real model when one is configured (fake_bedrock.upstream), else locally.
        self.converse_backend: Backend = upstream if upstream is not None else LocalModel()
        self.converse_by = "stand-in" if upstream is None else "upstream"

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_bedrock/0.1"
    disable_nagle_algorithm = True
    server: FakeBedrockServer

    # --- plumbing -----------------------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        if LOG.isEnabledFor(logging.DEBUG):
            LOG.debug("%s %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY_BYTES:
            raise ServiceError("ValidationException", "The request body is too large.")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply) -> None:
        status, headers, body = reply
        self.send_response(status)
        headers = {"Content-Type": "application/json", **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    # --- verbs --------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        path = self._path()
        if path == "/health":
            # Who answers Converse, so a client that wants a real model's writing can tell it will get one.
            health = {"status": "ok", "service": "fake_bedrock", "converse": self.server.converse_by}
            self._send((200, {}, _json_bytes(health)))
        else:
            self._admin_or_404("GET", path)

    def do_PUT(self) -> None:
        self._admin_or_404("PUT", self._path())

    def do_DELETE(self) -> None:
        self._admin_or_404("DELETE", self._path())

    def do_POST(self) -> None:
        path = self._path()
        try:
            body = self._read_body()
        except (ValueError, ServiceError):
            self._send(
                _error_reply(
                    ServiceError("SerializationException", "Unreadable request body."), Service.BEDROCK
                )
            )
            return
        if path == "/":
            self._comprehend(body)
            return
        match = _MODEL_ROUTE.match(path)
        if match and match.group(2) in _BEDROCK_OPERATIONS:
            self._bedrock(unquote(match.group(1)), _BEDROCK_OPERATIONS[match.group(2)], body)
        elif match:
            message = f"fake_bedrock does not implement /model/{{modelId}}/{match.group(2)}."
            self._send(_error_reply(ServiceError("UnknownOperationException", message), Service.BEDROCK))
        else:
            self._admin_or_404("POST", path)

    # --- operations ---------------------------------------------------------------------------------------

    def _run(self, op: str, service: Service, work: Callable[[RequestContext], Reply]) -> None:
        started = time.perf_counter()
        decision = self.server.injector.decide(op, produces_model_output=op in _MODEL_OUTPUT_OPERATIONS)
        if decision.delay_s > 0:
            time.sleep(decision.delay_s)
        if decision.error is not None:
            reply = _error_reply(decision.error, service)
        else:
            try:
                reply = work(RequestContext(started=started, bad_output=decision.bad_output))
            except ServiceError as error:
                reply = _error_reply(error, service)
            except Exception:
                LOG.exception("%s failed", op)
                reply = _error_reply(ServiceError("InternalServerException"), service)
        self.server.injector.record_response(op, reply[0])
        self._send(reply)

    def _comprehend(self, raw: bytes) -> None:
        target = self.headers.get("X-Amz-Target") or ""
        name = target.removeprefix(comprehend.TARGET_PREFIX)
        op = comprehend.OPERATIONS.get(name) if target.startswith(comprehend.TARGET_PREFIX) else None
        if op is None:
            error = ServiceError(
                "UnknownOperationException", f"Unknown operation {target or '(no X-Amz-Target)'}."
            )
            self._send(_error_reply(error, Service.COMPREHEND))
            return
        handler = comprehend.HANDLERS[op]

        def work(_: RequestContext) -> Reply:
            result = handler(_parse_json_object(raw))
            return 200, {"Content-Type": "application/x-amz-json-1.1"}, _json_bytes(result)

        self._run(op, Service.COMPREHEND, work)

    def _bedrock(self, model_id: str, op: str, raw: bytes) -> None:
        def work(context: RequestContext) -> Reply:
            model = model_ids.resolve(model_id)
            if op == "converse":
                request = _parse_json_object(raw)
                return 200, {}, _json_bytes(converse(model, request, context, self.server.converse_backend))
            body, completion = invoke_model(model, raw, context, generate)
            headers = {
                "X-Amzn-Bedrock-Input-Token-Count": str(completion.input_tokens),
                "X-Amzn-Bedrock-Output-Token-Count": str(completion.output_tokens),
                "X-Amzn-Bedrock-Invocation-Latency": str(
                    round((time.perf_counter() - context.started) * 1000)
                ),
            }
            return 200, headers, _json_bytes(body)

        self._run(op, Service.BEDROCK, work)

    # --- admin --------------------------------------------------------------------------------------------

    def _admin_or_404(self, verb: str, path: str) -> None:
        routes: dict[tuple[str, str], Callable[[], Reply]] = {
            ("GET", "/_admin/faults"): self._get_faults,
            ("PUT", "/_admin/faults"): self._put_faults,
            ("DELETE", "/_admin/faults"): self._delete_faults,
            ("GET", "/_admin/stats"): lambda: (200, {}, _json_bytes(self.server.injector.stats())),
            ("DELETE", "/_admin/stats"): self._delete_stats,
        }
        route = routes.get((verb, path)) if self.server.admin else None
        if route is None:
            self._send((404, {}, _json_bytes({"message": f"Not Found: {verb} {path}"})))
            return
        self._send(route())

    def _get_faults(self) -> Reply:
        return 200, {}, _json_bytes(self.server.injector.config.to_dict())

    def _put_faults(self) -> Reply:
        try:
            config = FaultConfig.from_dict(json.loads(self._read_body() or b"null"))
        except (ValueError, ServiceError) as error:  # FaultConfigError and JSONDecodeError are ValueErrors
            message = str(error) if isinstance(error, FaultConfigError) else f"not valid JSON: {error}"
            return 400, {}, _json_bytes({"message": message})
        self.server.injector.configure(config)
        return self._get_faults()

    def _delete_faults(self) -> Reply:
        self.server.injector.clear()
        return self._get_faults()

    def _delete_stats(self) -> Reply:
        self.server.injector.reset_stats()
        return 200, {}, _json_bytes({})


def _parse_json_object(raw: bytes) -> JsonObject:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ServiceError("SerializationException", "The request body is not valid JSON.") from error
    if not isinstance(body, dict):
        raise ServiceError("SerializationException", "The request body must be a JSON object.")
    return body


def make_server(
    host: str,
    port: int,
    *,
    admin: bool = False,
    faults: FaultConfig | None = None,
    upstream: Backend | None = None,
) -> FakeBedrockServer:
    return FakeBedrockServer((host, port), admin=admin, faults=faults, upstream=upstream)


@contextlib.contextmanager
def serve_in_background(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    admin: bool = False,
    faults: FaultConfig | None = None,
    upstream: Backend | None = None,
) -> Iterator[FakeBedrockServer]:
    """Run a server in a daemon thread (port 0: an ephemeral port) and stop it on exit; for tests."""
    server = make_server(host, port, admin=admin, faults=faults, upstream=upstream)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
