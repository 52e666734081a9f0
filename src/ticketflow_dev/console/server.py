"""The console's HTTP server (standard library): routes, the guard in front of every one, the pages and
their static files, the snapshot as JSON and as server-sent events, and the actions (POST only).

Every request passes `security.Guard` first; only then is its path looked up, so a request without the
token learns nothing, not even which paths exist.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from ticketflow_dev.console.actions import ActionError, Actions
from ticketflow_dev.console.poller import Poller
from ticketflow_dev.console.security import CHANGE_METHODS, READ_METHODS, TOKEN_QUERY, Guard, Refusal
from ticketflow_dev.console.sources import StackReader
from ticketflow_dev.tickets.dead_letter_inbox import CarriedRecords, DeadLetterInbox, DeadLetterResources

if TYPE_CHECKING:
    from ticketflow_dev.core.aws import Clients
    from ticketflow_infra.outputs import StackOutputs
    from ticketflow_infra.settings import Settings

BIND_HOST = "127.0.0.1"  # never another interface: the console can change the stack
KEEPALIVE_S = 15.0
FIRST_SNAPSHOT_TIMEOUT_S = 20.0
MAX_BODY_BYTES = 64 * 1024
TOKEN_PLACEHOLDER = "__CONSOLE_TOKEN__"  # noqa: S105 - where the page gets the token, not a token
STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Nothing from elsewhere, no framing (clickjacking): the page and its scripts come from here only.
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}


def static_files() -> dict[str, bytes]:
    """The page's files, read once at start (the package's static/ folder)."""
    folder = resources.files("ticketflow_dev.console") / "static"
    return {entry.name: entry.read_bytes() for entry in folder.iterdir() if entry.name[-4:] != ".pyc"}


@dataclass(frozen=True)
class ConsoleApp:
    guard: Guard
    poller: Poller
    reader: StackReader
    actions: Actions
    files: dict[str, bytes]


Answer = Callable[["Handler", dict[str, str]], None]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: frozenset[str]
    answer: Answer


class ConsoleServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream never holds up the exit
    app: ConsoleApp

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{BIND_HOST}:{self.port}/?{TOKEN_QUERY}={self.app.guard.token}"

    def close(self) -> None:
        self.app.poller.stop()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: ConsoleServer
    server_version = "ticketflow-console"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:  # a CORS preflight: refused like any other request without the token
        self._dispatch("OPTIONS")

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line carries the token, and the terminal shows the URL once."""

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query_token = parse_qs(url.query).get(TOKEN_QUERY, [None])[0]
        headers = {name.lower(): value for name, value in self.headers.items()}
        route, params = _find(url.path)
        allowed = route.methods if route is not None else READ_METHODS
        refusal = self.server.app.guard.check(method, allowed, headers, query_token)
        if refusal is not None:
            self._refuse(refusal)
        elif route is None:
            self.send_json({"error": f"no such page: {url.path}"}, HTTPStatus.NOT_FOUND)
        elif query_token is not None and method in READ_METHODS:
            self._keep_token(url.path)
        else:
            route.answer(self, params)

    def _refuse(self, refusal: Refusal) -> None:
        headers = {"Allow": refusal.allow} if refusal.allow else {}
        self.send_body(refusal.reason.encode() + b"\n", "text/plain; charset=utf-8", refusal.status, headers)

    def _keep_token(self, path: str) -> None:
        """The token from the URL becomes a cookie, and the URL loses it (history, screenshots)."""
        self.send_body(b"", "text/plain", HTTPStatus.SEE_OTHER,
                       {"Location": path, "Set-Cookie": self.server.app.guard.set_cookie()})  # fmt: skip

    def send_body(
        self,
        body: bytes,
        content_type: str,
        status: int = HTTPStatus.OK,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        for name, value in (SECURITY_HEADERS | {"Content-Type": content_type} | (headers or {})).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, value: Any, status: int = HTTPStatus.OK) -> None:
        self.send_body(json.dumps(value, default=str).encode(), "application/json", status)

    def read_json(self) -> dict[str, Any] | None:
        """The request's JSON object; None (answered 400/415) when it is not one."""
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self.send_json({"error": "send application/json"}, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.send_json(
                {"error": f"body over {MAX_BODY_BYTES} bytes"}, HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            )
            return None
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.send_json({"error": "the body must be a JSON object"}, HTTPStatus.BAD_REQUEST)
            return None
        return body


def _page(name: str) -> Answer:
    def answer(handler: Handler, _: dict[str, str]) -> None:
        app = handler.server.app
        html = app.files[name].replace(TOKEN_PLACEHOLDER.encode(), app.guard.token.encode())
        handler.send_body(html, "text/html; charset=utf-8")

    return answer


def _static(handler: Handler, params: dict[str, str]) -> None:
    name = params["name"]
    content = handler.server.app.files.get(name)
    suffix = name[name.rfind(".") :]
    if content is None or suffix not in STATIC_TYPES or suffix == ".html":
        handler.send_json({"error": f"no such file: {name}"}, HTTPStatus.NOT_FOUND)
        return
    handler.send_body(content, f"{STATIC_TYPES[suffix]}; charset=utf-8")


def _snapshot(handler: Handler, _params: dict[str, str]) -> None:
    poller = handler.server.app.poller
    with poller.listening():
        _version, payload = poller.wait_newer(0, timeout=FIRST_SNAPSHOT_TIMEOUT_S)
    handler.send_body(payload, "application/json")


def _events(handler: Handler, _: dict[str, str]) -> None:
    """Server-sent events: each new snapshot as one `snapshot` event, a comment now and then to keep the
    connection open; until the page goes away or the console stops."""
    handler.send_response(HTTPStatus.OK)
    for name, value in (SECURITY_HEADERS | {"Content-Type": "text/event-stream"}).items():
        handler.send_header(name, value)
    handler.end_headers()
    poller = handler.server.app.poller
    version = 0
    try:
        with poller.listening():
            handler.wfile.write(b"retry: 2000\n\n")
            while not poller.stopped:
                newest, payload = poller.wait_newer(version, timeout=KEEPALIVE_S)
                message = (
                    b"event: snapshot\ndata: " + payload + b"\n\n" if newest > version else b": alive\n\n"
                )
                version = newest
                handler.wfile.write(message)
                handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        return  # the page was closed or reloaded


def _ticket(handler: Handler, params: dict[str, str]) -> None:
    reader = handler.server.app.reader
    try:
        handler.send_json(reader.ticket(params["ticket_id"]))
    except (BotoCoreError, ClientError) as error:
        handler.send_json({"error": f"cannot read the ticket: {error}"}, HTTPStatus.BAD_GATEWAY)


def _action(act: Callable[[Actions], Callable[[dict[str, Any]], dict[str, Any]]]) -> Answer:
    def answer(handler: Handler, _: dict[str, str]) -> None:
        body = handler.read_json()
        if body is None:
            return
        app = handler.server.app
        try:
            result = act(app.actions)(body)
        except ActionError as error:
            handler.send_json({"error": str(error)}, error.status)
            return
        app.poller.refresh_now()
        handler.send_json(result)

    return answer


def _route(pattern: str, methods: frozenset[str], answer: Answer) -> Route:
    return Route(re.compile(pattern), methods, answer)


ROUTES = (
    _route(r"/", READ_METHODS, _page("index.html")),
    _route(r"/tickets/(?P<ticket_id>[^/]+)", READ_METHODS, _page("ticket.html")),
    _route(r"/static/(?P<name>[a-z_]+\.[a-z]+)", READ_METHODS, _static),
    _route(r"/api/snapshot", READ_METHODS, _snapshot),
    _route(r"/api/events", READ_METHODS, _events),
    _route(r"/api/tickets/(?P<ticket_id>[^/]+)", READ_METHODS, _ticket),
    _route(r"/api/dead-letters/replay", CHANGE_METHODS, _action(lambda actions: actions.replay)),
    _route(r"/api/faults", CHANGE_METHODS, _action(lambda actions: actions.set_faults)),
    _route(r"/api/faults/clear", CHANGE_METHODS, _action(lambda actions: actions.clear_faults)),
)


def _find(path: str) -> tuple[Route | None, dict[str, str]]:
    for route in ROUTES:
        match = route.pattern.fullmatch(path)
        if match:
            return route, {name: unquote(value) for name, value in match.groupdict().items()}
    return None, {}


def open_console(
    settings: Settings, clients: Clients, outputs: StackOutputs, *, port: int = 0
) -> ConsoleServer:
    """The console bound to 127.0.0.1:`port` (0: a free one), its poller started; then `serve_forever`."""
    server = ConsoleServer((BIND_HOST, port), Handler)
    letters_lock = threading.Lock()
    reader = StackReader(clients, outputs, settings, letters_lock)
    dead_letters = DeadLetterResources(
        DeadLetterInbox(clients("sqs"), outputs.dead_letter_queue_url),
        clients("kinesis"),
        outputs.stream_name,
        CarriedRecords(clients("s3"), outputs.bucket_name),
    )
    server.app = ConsoleApp(
        Guard.for_port(server.port),
        Poller(reader),
        reader,
        Actions(dead_letters, settings.fake_bedrock_url, letters_lock),
        static_files(),
    )
    server.app.poller.start()
    return server
