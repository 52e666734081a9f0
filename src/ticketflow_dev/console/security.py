"""Who may talk to the console: the Host it is asked under, this run's token, and the method.

Any page the developer's browser opens can send requests to a local port (CSRF), and by DNS rebinding can
even read the answers under a name of its own. So every request must name 127.0.0.1:<port> or
localhost:<port> as its Host and carry this run's random token: in the query string of the URL the CLI
prints (the answer sets it as a cookie), in the cookie, or in a header. A request that changes state must be
a POST carrying the token in the header: a foreign page cannot set that header without a CORS preflight,
which the console never grants; its Origin, when sent, must be the console's own.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

# Names of where the token travels, not tokens.
TOKEN_QUERY = "token"  # noqa: S105
TOKEN_HEADER = "x-ticketflow-token"  # noqa: S105
READ_METHODS = frozenset({"GET", "HEAD"})
CHANGE_METHODS = frozenset({"POST"})


@dataclass(frozen=True)
class Refusal:
    status: int  # 403: not allowed to ask; 405: not with this method
    reason: str
    allow: str | None = None  # the Allow header of a 405


class Guard:
    """The checks of one console run; `headers` are the request's, with lower-case names."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.cookie_name = f"ticketflow_console_{port}"  # cookies ignore ports: one name per console
        self._hosts = frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})

    @classmethod
    def for_port(cls, port: int) -> Guard:
        return cls(port, secrets.token_urlsafe(32))

    def check(
        self, method: str, allowed: frozenset[str], headers: Mapping[str, str], query_token: str | None
    ) -> Refusal | None:
        """None when the request may go on to a route answering `allowed` methods, else why not."""
        return (
            self._check_host(headers.get("host"))
            or self._check_token(method, headers, query_token)
            or _check_method(method, allowed)
        )

    def set_cookie(self) -> str:
        """The Set-Cookie value that keeps the token for the page's own later requests."""
        return f"{self.cookie_name}={self.token}; Path=/; HttpOnly; SameSite=Strict"

    def _check_host(self, host: str | None) -> Refusal | None:
        if host in self._hosts:
            return None
        allowed = " or ".join(sorted(self._hosts))
        return Refusal(403, f"Host {host!r} refused: this console answers only to {allowed} (DNS rebinding)")

    def _check_token(
        self, method: str, headers: Mapping[str, str], query_token: str | None
    ) -> Refusal | None:
        if method in CHANGE_METHODS:
            return self._check_change(headers)
        presented = [query_token, headers.get(TOKEN_HEADER), self._cookie_token(headers.get("cookie"))]
        if any(self._matches(token) for token in presented):
            return None
        return Refusal(
            403, "no valid token: open the URL `ticketflow console` printed (it carries ?token=...)"
        )

    def _check_change(self, headers: Mapping[str, str]) -> Refusal | None:
        origin = headers.get("origin")
        if origin is not None and origin.removeprefix("http://") not in self._hosts:
            return Refusal(403, f"Origin {origin!r} refused: state changes come only from the console's page")
        if not self._matches(headers.get(TOKEN_HEADER)):
            return Refusal(403, f"a state change needs this run's token in the {TOKEN_HEADER} header")
        return None

    def _cookie_token(self, cookie_header: str | None) -> str | None:
        if not cookie_header:
            return None
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(cookie_header)
        except CookieError:
            return None
        morsel = cookies.get(self.cookie_name)
        return morsel.value if morsel is not None else None

    def _matches(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.token.encode())


def _check_method(method: str, allowed: frozenset[str]) -> Refusal | None:
    if method in allowed:
        return None
    allow = ", ".join(sorted(allowed))
    why = "it changes state, so only POST" if allowed == CHANGE_METHODS else f"only {allow}"
    return Refusal(405, f"{method} refused here: {why}", allow=allow)
