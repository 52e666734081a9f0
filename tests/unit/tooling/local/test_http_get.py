"""`http_get` and `http_probe`: the one GET of the local services' plain-HTTP endpoints (health, metrics)."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from typing import Any

import pytest

from ticketflow_dev.local.service import HttpGetError, http_get, http_probe

URL = "http://127.0.0.1:9/health"


class Answer(io.BytesIO):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(body)
        self.status = status


def _answering(monkeypatch: pytest.MonkeyPatch, outcome: tuple[int, bytes] | Exception) -> None:
    """urlopen answering `outcome`: an (HTTP status, body), afresh for each call, or an error raised."""

    def urlopen(url: str, *, timeout: float) -> Any:
        assert (url, timeout) == (URL, 2)
        if isinstance(outcome, Exception):
            raise outcome
        return Answer(*outcome)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)


def test_a_2xx_answer_is_its_body(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN / WHEN a service answers 200 / THEN the body, and the probe finds nothing wrong
    _answering(monkeypatch, (200, b'{"converse": "upstream"}'))
    assert http_get(URL, timeout=2) == b'{"converse": "upstream"}'
    _answering(monkeypatch, (204, b""))
    assert http_probe(URL, timeout=2) is None


@pytest.mark.parametrize(
    ("outcome", "why"),
    [
        (urllib.error.HTTPError(URL, 404, "Not Found", {}, None), f"GET {URL} -> HTTP 404"),  # type: ignore[arg-type]
        (
            urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
            f"GET {URL} -> [Errno 111]",
        ),
        (TimeoutError("timed out"), f"GET {URL} -> timed out"),
        ((302, b""), f"GET {URL} -> HTTP 302"),
    ],
)
def test_anything_else_says_which_url_and_why(
    monkeypatch: pytest.MonkeyPatch, outcome: tuple[int, bytes] | Exception, why: str
) -> None:
    # GIVEN a service that refuses, is not there, is too slow or answers otherwise
    _answering(monkeypatch, outcome)

    # WHEN it is read, or probed / THEN the error and the probe say the same, naming the URL
    with pytest.raises(HttpGetError) as failed:
        http_get(URL, timeout=2)
    assert str(failed.value).startswith(why)
    assert http_probe(URL, timeout=2) == str(failed.value)
