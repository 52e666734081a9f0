"""`python -m fake_bedrock --host 127.0.0.1 --port 4580 [--admin] [--faults FILE_OR_JSON] [--seed N]
[--upstream-url URL --upstream-model NAME [--upstream-timeout SECONDS]]`."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from types import FrameType

from fake_bedrock.faults import ENV_VAR, FaultConfig, FaultConfigError
from fake_bedrock.server import LOG, make_server
from fake_bedrock.upstream.client import (
    API_KEY_ENV_VAR,
    DEFAULT_TIMEOUT_S,
    MODEL_ENV_VAR,
    TIMEOUT_ENV_VAR,
    URL_ENV_VAR,
    Upstream,
    UpstreamConfig,
    UpstreamConfigError,
)

DEFAULT_PORT = 4580
ADMIN_ENV_VAR = "FAKE_BEDROCK_ADMIN"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m fake_bedrock",
        description="A stand-in for Amazon Bedrock Runtime and Amazon Comprehend.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument(
        "--admin",
        action=argparse.BooleanOptionalAction,
        default=os.environ.get(ADMIN_ENV_VAR, "").lower() in ("1", "true", "yes"),
        help=f"serve /_admin/faults and /_admin/stats (default: off, or ${ADMIN_ENV_VAR})",
    )
    parser.add_argument(
        "--faults",
        default=os.environ.get(ENV_VAR) or None,
        help=f"fault configuration: JSON text or the path of a JSON file (default: ${ENV_VAR})",
    )
    parser.add_argument("--seed", type=int, default=None, help="override the fault configuration's seed")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    upstream = parser.add_argument_group(
        "real model",
        "Answer Converse with an OpenAI-compatible server (Ollama, llama.cpp, vLLM: POST {URL}/v1/chat/"
        f"completions); ${API_KEY_ENV_VAR}, if set, is sent as a Bearer token. Unset: the stand-in model.",
    )
    upstream.add_argument(
        "--upstream-url",
        default=os.environ.get(URL_ENV_VAR) or None,
        help=f"the server's base URL, e.g. http://127.0.0.1:11434 (default: ${URL_ENV_VAR})",
    )
    upstream.add_argument(
        "--upstream-model",
        default=os.environ.get(MODEL_ENV_VAR) or None,
        help=f"the model name the server knows, e.g. llama3.2 (default: ${MODEL_ENV_VAR})",
    )
    upstream.add_argument(
        "--upstream-timeout",
        type=float,
        default=os.environ.get(TIMEOUT_ENV_VAR) or DEFAULT_TIMEOUT_S,
        help=f"seconds before ModelTimeoutException (default: {DEFAULT_TIMEOUT_S:g}, or ${TIMEOUT_ENV_VAR})",
    )
    return parser.parse_args(argv)


def load_upstream(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Upstream | None:
    """The upstream model the arguments configure, or None; raises UpstreamConfigError."""
    if not args.upstream_url:
        if args.upstream_model:
            raise UpstreamConfigError("--upstream-model needs --upstream-url")
        return None
    env = os.environ if environ is None else environ
    config = UpstreamConfig(
        url=args.upstream_url,
        model=args.upstream_model or "",
        api_key=env.get(API_KEY_ENV_VAR) or None,
        timeout_s=float(args.upstream_timeout),
    )
    return Upstream(config)


def load_faults(source: str | None, seed: int | None) -> FaultConfig:
    config = FaultConfig.parse(source) if source else FaultConfig()
    return dataclasses.replace(config, seed=seed) if seed is not None else config


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        faults = load_faults(args.faults, args.seed)
    except (FaultConfigError, OSError) as error:
        LOG.error("bad fault configuration: %s", error)
        return 2
    try:
        upstream = load_upstream(args)
    except UpstreamConfigError as error:
        LOG.error("bad upstream configuration: %s", error)
        return 2
    server = make_server(args.host, args.port, admin=args.admin, faults=faults, upstream=upstream)

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signum)

    signal.signal(signal.SIGTERM, stop)
    LOG.info("fake_bedrock listening on %s (admin %s)", server.url, "on" if args.admin else "off")
    if upstream is not None:
        LOG.info("Converse answered by %s (model %s)", upstream.config.endpoint, upstream.config.model)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        LOG.info("fake_bedrock stopping")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
