"""Where `ticketflow eval` sends its tickets, and the run itself: the pipeline's own sentiment and triage
adapters (`ComprehendSentiment`, then `BedrockTriage`) over labelled tickets.

- `TICKETFLOW_PROFILE=aws`: the real Comprehend and Bedrock of the configured region;
- an endpoint URL, or boto3's `AWS_ENDPOINT_URL_COMPREHEND` / `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`: there;
- otherwise: a private fake_bedrock started on a free port for the run, stopped afterwards.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.config import Config

from ticketflow.enrichment import BedrockTriage, ComprehendSentiment
from ticketflow_dev.core.aws import Clients, stand_in_clients
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.local.service import http_probe
from ticketflow_dev.quality.evaluation import EvaluationReport, LabelledTicket, evaluate_one
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_comprehend import ComprehendClient

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_COMPREHEND", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
START_TIMEOUT = 20.0
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, read_timeout=120)


def free_port(host: str) -> int:
    """A port the OS reports free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def private_fake_bedrock(host: str = "127.0.0.1", python: str = sys.executable) -> Iterator[str]:
    """Run `python -m fake_bedrock` on a free port until the block ends; yields its base URL."""
    port = free_port(host)
    url = f"http://{host}:{port}"
    argv = [python, "-m", "fake_bedrock", "--host", host, "--port", str(port)]
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
        try:

            def health() -> str | None:
                if process.poll() is not None:
                    stderr = process.stderr.read() if process.stderr else ""
                    raise RuntimeError(
                        f"fake_bedrock exited with {process.returncode}: {stderr.strip()[-500:]}"
                    )
                return http_probe(f"{url}/health")

            wait_until(
                health,
                timeout=START_TIMEOUT,
                description=f"fake_bedrock at {url}",
                until=lambda why: why is None,
            )
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _local_clients(settings: Settings, endpoint: str | None) -> tuple[ComprehendClient, BedrockRuntimeClient]:
    """Clients for a stand-in; without `endpoint`, boto3 reads AWS_ENDPOINT_URL_<SERVICE> itself."""
    clients = stand_in_clients(settings.region, endpoint, _CLIENT_CONFIG)
    return clients("comprehend"), clients("bedrock-runtime")


@contextmanager
def pipeline_clients(
    settings: Settings, endpoint: str | None, environ: Mapping[str, str]
) -> Iterator[tuple[ComprehendClient, BedrockRuntimeClient, str]]:
    """(comprehend, bedrock-runtime, where) for the run, starting a private fake_bedrock if nothing is set."""
    if settings.profile == "aws":
        clients = Clients(settings)
        yield clients("comprehend"), clients("bedrock-runtime"), f"AWS ({settings.region})"
    elif endpoint or all(environ.get(name) for name in ENDPOINT_VARIABLES):
        comprehend, bedrock = _local_clients(settings, endpoint)
        yield comprehend, bedrock, endpoint or "AWS_ENDPOINT_URL_* from the environment"
    else:
        with private_fake_bedrock(settings.bind_host) as url:
            comprehend, bedrock = _local_clients(settings, url)
            yield comprehend, bedrock, f"private fake_bedrock at {url}"


def run_evaluation(
    items: list[LabelledTicket],
    comprehend: ComprehendClient,
    bedrock: BedrockRuntimeClient,
    model_id: str,
    workers: int,
) -> EvaluationReport:
    detector = ComprehendSentiment(comprehend)
    triager = BedrockTriage(bedrock, model_id)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(lambda item: evaluate_one(item, detector, triager), items))
    return EvaluationReport(outcomes)
