"""Runs microburst with a seedable random generator; executed by the fault proxy's own interpreter.

microburst draws every probability, error choice and latency from the `random` module that
`microburst.rules` imports; that module is swapped for one generator here, so `POST /_ticketflow/seed`
(`{"seed": 7}`) makes the sequence of decisions repeatable for the same sequence of requests. This file
imports nothing of ticketflow: it runs in the proxy's virtualenv, which has microburst and not the project.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any

import microburst.rules  # type: ignore[import-not-found]
from aiohttp import web  # type: ignore[import-not-found]
from microburst.control import CONTROL_PREFIX  # type: ignore[import-not-found]
from microburst.core.pipeline import Microburst  # type: ignore[import-not-found]

SEED_PATH = "/_ticketflow/seed"


class SeededDraws:
    """The generator the rules draw from, and the seed it last started from."""

    def __init__(self, seed: int) -> None:
        self.generator = random.Random(seed)  # noqa: S311 (fault decisions, not secrets)
        self.seed = seed

    def reseed(self, seed: int) -> None:
        self.generator.seed(seed)
        self.seed = seed


def seed_route(draws: SeededDraws) -> Any:
    async def handle(request: Any) -> Any:
        if request.method == "POST":
            body = await request.json()
            seed = body.get("seed") if isinstance(body, dict) else None
            if isinstance(seed, bool) or not isinstance(seed, int):
                return web.json_response({"error": "seed must be an integer"}, status=400)
            draws.reseed(seed)
        return web.json_response({"seed": draws.seed})

    return handle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    draws = SeededDraws(args.seed)
    microburst.rules.random = draws.generator
    proxy = Microburst(args.upstream, resign=False)
    # microburst.app.make_app's routes, with the seed's first: aiohttp matches in the order routes are added.
    app = web.Application()
    app.router.add_route("*", SEED_PATH, seed_route(draws))
    app.router.add_route("*", f"{CONTROL_PREFIX}/{{tail:.*}}", proxy.handle_control)
    app.router.add_route("*", "/{tail:.*}", proxy.handle_proxy)
    app.on_startup.append(proxy.start)
    app.on_cleanup.append(proxy.stop)
    listening = {"listening": f"http://{args.host}:{args.port}", "upstream": args.upstream, "seed": args.seed}
    web.run_app(
        app, host=args.host, port=args.port, print=lambda _: sys.stdout.write(json.dumps(listening) + "\n")
    )


if __name__ == "__main__":
    main()
