"""The console's guard: the Host it is asked under (DNS rebinding), this run's token, POST-only changes."""

from __future__ import annotations

import pytest

from ticketflow_dev.console.security import CHANGE_METHODS, READ_METHODS, TOKEN_HEADER, Guard

PORT = 28600
TOKEN = "run-token-123"
HOST = {"host": f"127.0.0.1:{PORT}"}


@pytest.fixture
def guard() -> Guard:
    return Guard(PORT, TOKEN)


@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}"])
def test_a_read_with_the_token_in_the_url_is_let_through(guard: Guard, host: str) -> None:
    # GIVEN / WHEN a GET under the console's own host with the token in the query string
    refusal = guard.check("GET", READ_METHODS, {"host": host}, TOKEN)

    # THEN it goes on
    assert refusal is None


@pytest.mark.parametrize(
    "host",
    ["evil.example:28600", f"127.0.0.1:{PORT + 1}", "127.0.0.1", f"localhost.evil.example:{PORT}", None],
)
def test_a_foreign_host_is_refused_even_with_the_token(guard: Guard, host: str | None) -> None:
    # GIVEN a request under another name (DNS rebinding), another port, no port, or no Host at all
    headers = {"host": host} if host is not None else {}

    # WHEN it carries the right token
    refusal = guard.check("GET", READ_METHODS, headers | {TOKEN_HEADER: TOKEN}, TOKEN)

    # THEN 403, naming the host and what is accepted
    assert refusal is not None
    assert refusal.status == 403
    assert repr(host) in refusal.reason
    assert f"127.0.0.1:{PORT} or localhost:{PORT}" in refusal.reason


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, None),
        ({}, "wrong"),
        ({"cookie": "ticketflow_console_28600=wrong"}, None),
        ({TOKEN_HEADER: ""}, None),
    ],
)
def test_a_read_without_the_right_token_is_refused(
    guard: Guard, headers: dict[str, str], query: str | None
) -> None:
    # GIVEN / WHEN a GET with no token, or a wrong one, wherever it is
    refusal = guard.check("GET", READ_METHODS, HOST | headers, query)

    # THEN 403, saying where the token comes from
    assert refusal is not None
    assert (refusal.status, "ticketflow console" in refusal.reason) == (403, True)


def test_the_token_may_come_from_the_cookie_the_console_set(guard: Guard) -> None:
    # GIVEN the cookie the console sets, among others
    cookie = guard.set_cookie().split(";")[0]
    assert "HttpOnly" in guard.set_cookie()
    assert "SameSite=Strict" in guard.set_cookie()

    # WHEN a page asks with it
    refusal = guard.check("GET", READ_METHODS, HOST | {"cookie": f"other=1; {cookie}"}, None)

    # THEN it goes on
    assert refusal is None


def test_a_change_needs_post_with_the_token_in_the_header(guard: Guard) -> None:
    # GIVEN / WHEN a POST with the token in its header, from the console's own page
    allowed = guard.check(
        "POST", CHANGE_METHODS, HOST | {TOKEN_HEADER: TOKEN, "origin": f"http://{HOST['host']}"}, None
    )

    # THEN it goes on
    assert allowed is None


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"cookie": f"ticketflow_console_{PORT}={TOKEN}"}, None),  # what a cross-site form would send
        ({}, TOKEN),  # a link carrying the token
        ({TOKEN_HEADER: TOKEN, "origin": "http://evil.example"}, None),
    ],
)
def test_a_change_with_the_token_only_in_a_cookie_or_url_or_from_another_origin_is_refused(
    guard: Guard, headers: dict[str, str], query: str | None
) -> None:
    # GIVEN / WHEN a POST that a foreign page could make
    refusal = guard.check("POST", CHANGE_METHODS, HOST | headers, query)

    # THEN 403
    assert refusal is not None
    assert refusal.status == 403


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_a_change_by_another_method_is_refused_with_405(guard: Guard, method: str) -> None:
    # GIVEN / WHEN an action's path asked with another method, token and all
    refusal = guard.check(method, CHANGE_METHODS, HOST | {TOKEN_HEADER: TOKEN}, None)

    # THEN 405, Allow: POST, saying why
    assert refusal is not None
    assert (refusal.status, refusal.allow) == (405, "POST")
    assert "changes state, so only POST" in refusal.reason


def test_a_post_to_a_page_is_refused_with_405(guard: Guard) -> None:
    # GIVEN / WHEN a page's path asked with POST
    refusal = guard.check("POST", READ_METHODS, HOST | {TOKEN_HEADER: TOKEN}, None)

    # THEN 405, Allow: GET, HEAD
    assert refusal is not None
    assert (refusal.status, refusal.allow) == (405, "GET, HEAD")


def test_each_run_has_its_own_token() -> None:
    # GIVEN / WHEN two consoles on the same port
    first, second = Guard.for_port(PORT), Guard.for_port(PORT)

    # THEN their tokens differ and are long enough not to be guessed
    assert first.token != second.token
    assert len(first.token) >= 40
