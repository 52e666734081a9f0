"""JSON over plain HTTP to the local services' admin endpoints (fake_bedrock's faults, the fault proxy's
rules): not AWS APIs, so no SDK is involved. Callers turn the two failures into their own errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit


class AdminRefusedError(RuntimeError):
    """The endpoint answered with an HTTP error."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class AdminUnreachableError(RuntimeError):
    """No answer: nothing listens there, or the URL is not http(s)."""


def json_request(base_url: str, method: str, path: str, body: Any = None, *, timeout: float) -> Any:
    """`body` as JSON to `base_url + path`; the decoded JSON answer (None for an empty one)."""
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise AdminUnreachableError(f"not an http(s) URL: {base_url!r}")
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        base_url.rstrip("/") + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise AdminRefusedError(error.code, error.read().decode("utf-8", errors="replace")) from error
    except (urllib.error.URLError, OSError) as error:
        raise AdminUnreachableError(str(getattr(error, "reason", error))) from error
