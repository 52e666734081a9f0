"""`python -m fake_bedrock --host 127.0.0.1 --port 4580 [--admin] [--faults FILE_OR_JSON] [--seed N]`."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from fake_bedrock.faults import ENV_VAR, FaultConfig, FaultConfigError
from fake_bedrock.server import LOG, make_server

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
    return parser.parse_args(argv)


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
    server = make_server(args.host, args.port, admin=args.admin, faults=faults)

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signum)

    signal.signal(signal.SIGTERM, stop)
    LOG.info("fake_bedrock listening on %s (admin %s)", server.url, "on" if args.admin else "off")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        LOG.info("fake_bedrock stopping")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
