"""Faults in the AWS APIs the functions call: rules in the fault proxy (microburst), and the wiring that
sends a service's calls through it only while it has rules.

A rule names `SERVICE:OPERATION` (`dynamodb:PutItem`, `s3:PutObject`, `sqs:SendMessage`,
`stepfunctions:StartExecution`; `*` for every operation) and one fault: `throttle` (the service's own
throttling error with its real status), `error` (a code and status, e.g. InternalError 500, SlowDown 503,
RequestTimeout 400), `latency` (added milliseconds) or `reset` (the connection is cut before an answer).
The proxy renders errors from botocore's service models, so the SDK parses and retries them as it would
AWS's. Draws come from one generator seeded by `seed`: the same seed gives the same decisions for the same
sequence of requests.

Wiring: boto3 honours `AWS_ENDPOINT_URL_<SERVICE>` over `AWS_ENDPOINT_URL` (which the emulator injects), so
a service with rules gets that variable on every deployed function, pointing at the proxy, and loses it when
its last rule is cleared. The emulator restarts a function's workers when its environment changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.faults.admin_http import AdminRefusedError, AdminUnreachableError, json_request
from ticketflow_dev.local import supervisor
from ticketflow_dev.local.fault_proxy import FaultProxyService
from ticketflow_dev.local.service import HttpGetError, http_get
from ticketflow_dev.stack.functions import StackNotDeployedError, deployed_functions
from ticketflow_dev.targets.external import emulator_kind
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient

Kind = Literal["throttle", "error", "latency", "reset"]
KINDS: tuple[Kind, ...] = ("throttle", "error", "latency", "reset")
DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class AwsService:
    """One service the functions call: its name in the proxy's rules (the SDK's signing name for most),
    the suffix of its `AWS_ENDPOINT_URL_<SERVICE>` variable, and how it throttles."""

    proxy_name: str
    endpoint_variable: str
    throttle_code: str
    throttle_status: int


SERVICES: dict[str, AwsService] = {
    "dynamodb": AwsService(
        "dynamodb", "AWS_ENDPOINT_URL_DYNAMODB", "ProvisionedThroughputExceededException", 400
    ),
    "stepfunctions": AwsService("stepfunctions", "AWS_ENDPOINT_URL_SFN", "ThrottlingException", 400),
    "s3": AwsService("s3", "AWS_ENDPOINT_URL_S3", "SlowDown", 503),
    "sqs": AwsService("sqs", "AWS_ENDPOINT_URL_SQS", "RequestThrottled", 403),
}


class AwsFaultError(RuntimeError):
    """A rule that cannot be set, or a proxy that cannot be reached; the message says what to do."""


@dataclass(frozen=True)
class FaultRule:
    service: str
    operation: str
    kind: Kind
    rate: float = 1.0
    code: str | None = None
    status: int | None = None
    latency_ms: float | None = None
    # A JMESPath expression over the request's JSON body that must be true (e.g. one ticket's id).
    where: str | None = None
    times: int | None = None  # fire at most this many times

    def __post_init__(self) -> None:
        if self.service not in SERVICES:
            raise AwsFaultError(f"unknown service {self.service!r}: one of {', '.join(SERVICES)}")
        if self.kind not in KINDS:
            raise AwsFaultError(f"unknown fault {self.kind!r}: one of {', '.join(KINDS)}")
        if not 0 < self.rate <= 1:
            raise AwsFaultError(f"the rate must be above 0% and at most 100%, got {self.rate:.0%}")
        if self.kind == "error" and not self.code:
            raise AwsFaultError("an `error` fault needs its code: --code InternalError (and --status 500)")
        if self.kind == "latency" and not self.latency_ms:
            raise AwsFaultError("a `latency` fault needs its milliseconds: --ms 200")

    @classmethod
    def parse_target(cls, target: str) -> tuple[str, str]:
        """`dynamodb:PutItem` → ("dynamodb", "PutItem"); `s3` alone means every operation."""
        service, _, operation = target.partition(":")
        return service.lower(), operation or "*"

    def to_proxy(self) -> dict[str, Any]:
        """The rule in microburst's JSON."""
        service = SERVICES[self.service]
        rule: dict[str, Any] = {"service": service.proxy_name, "probability": self.rate}
        if self.operation != "*":
            rule["operation"] = self.operation
        if self.where:
            rule["body"] = self.where
        if self.times is not None:
            rule["times"] = self.times
        if self.kind == "throttle":
            rule["error"] = {"code": service.throttle_code, "status": service.throttle_status}
        elif self.kind == "error":
            rule["error"] = {"code": self.code} | ({"status": self.status} if self.status else {})
        elif self.kind == "latency":
            rule["latency"] = self.latency_ms
        else:
            rule["reset"] = True
        return rule


def service_of(proxy_name: str) -> str:
    return next(name for name, service in SERVICES.items() if service.proxy_name == proxy_name)


# --- the proxy's control API ---------------------------------------------------------------------------
def _request(
    base_url: str, method: str, path: str, body: Any = None, timeout: float = DEFAULT_TIMEOUT_S
) -> Any:
    try:
        return json_request(base_url, method, path, body, timeout=timeout)
    except AdminRefusedError as error:
        detail = error.detail[:300]
        raise AwsFaultError(f"the fault proxy refused {method} {path} ({error.status}): {detail}") from error
    except AdminUnreachableError as error:
        raise AwsFaultError(
            f"cannot reach the fault proxy at {base_url} ({error}): `ticketflow faults set` starts it"
        ) from error


@dataclass(frozen=True)
class ProxyCounts:
    """What the proxy saw: requests per service, and faults per service, operation and action."""

    requests: dict[str, int] = field(default_factory=dict)
    faults: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def faults_of(self, service: str, operation: str | None = None) -> int:
        name = SERVICES[service].proxy_name
        return sum(n for (s, op, _), n in self.faults.items() if s == name and operation in (None, op))


_FAULT_METRIC = "microburst_faults_total{"


def parse_counts(stats: Mapping[str, Any], metrics: str) -> ProxyCounts:
    """From `/_microburst/stats` (requests per service) and the Prometheus text of `/_microburst/metrics`
    (faults per label set; unlike the fired log, these counters are never evicted)."""
    requests = {row["service"]: int(row["requests"]) for row in stats.get("by_service", [])}
    faults: dict[tuple[str, str, str], int] = {}
    for line in metrics.splitlines():
        if not line.startswith(_FAULT_METRIC):
            continue
        labels_text, _, value = line[len(_FAULT_METRIC) :].rpartition("} ")
        labels = dict(part.split("=", 1) for part in labels_text.split(",") if "=" in part)
        key = tuple(labels.get(k, "").strip('"') for k in ("service", "operation", "action"))
        faults[(key[0], key[1], key[2])] = int(float(value))
    return ProxyCounts(requests, faults)


class FaultProxy:
    """The proxy's rules, seed and counters (its control API on localhost)."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = url
        self.timeout = timeout

    def rules(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = _request(self.url, "GET", "/_microburst/rules", timeout=self.timeout)
        return result

    def add(self, rules: Iterable[FaultRule]) -> list[dict[str, Any]]:
        _request(self.url, "PATCH", "/_microburst/rules", [r.to_proxy() for r in rules], timeout=self.timeout)
        return self.rules()

    def clear(self, service: str | None = None, operation: str | None = None) -> int:
        """Remove every rule, or those of a service (and operation); the number removed."""
        spec: list[dict[str, Any]] = []
        if service is not None:
            spec = [
                {"service": SERVICES[service].proxy_name} | ({"operation": operation} if operation else {})
            ]
        before = len(self.rules())
        _request(self.url, "DELETE", "/_microburst/rules", spec, timeout=self.timeout)
        return before - len(self.rules())

    def seed(self, seed: int) -> None:
        _request(self.url, "POST", "/_ticketflow/seed", {"seed": seed}, timeout=self.timeout)

    def counts(self) -> ProxyCounts:
        stats = _request(self.url, "GET", "/_microburst/stats", timeout=self.timeout)
        try:
            metrics = http_get(f"{self.url}/_microburst/metrics", timeout=self.timeout).decode("utf-8")
        except HttpGetError as error:
            raise AwsFaultError(f"cannot read the fault proxy's metrics at {self.url}: {error}") from error
        return parse_counts(stats, metrics)

    def services_with_rules(self) -> set[str]:
        return {service_of(rule["service"]) for rule in self.rules() if rule.get("service") in _PROXY_NAMES}


_PROXY_NAMES = {service.proxy_name for service in SERVICES.values()}


# --- wiring ----------------------------------------------------------------------------------------------
def routed_environment(
    variables: Mapping[str, str], services: Iterable[str], proxy_url: str
) -> dict[str, str]:
    """A function's environment with `services` sent to the proxy and every other service's proxy route
    removed (a variable the user set to somewhere else is left alone)."""
    wanted = {SERVICES[name].endpoint_variable for name in services}
    routed = {
        key: value
        for key, value in variables.items()
        if not (key in _ENDPOINT_VARIABLES and value == proxy_url and key not in wanted)
    }
    return routed | dict.fromkeys(sorted(wanted), proxy_url)


_ENDPOINT_VARIABLES = {service.endpoint_variable for service in SERVICES.values()}


@dataclass(frozen=True)
class Rewired:
    function: str
    routed: tuple[str, ...]  # the services it now reaches through the proxy


def rewire_functions(
    cloudformation: CloudFormationClient,
    lambda_client: LambdaClient,
    stack_name: str,
    services: Iterable[str],
    proxy_url: str,
) -> list[Rewired]:
    """Point every deployed function's calls to `services` at the proxy (and no other service's)."""
    chosen = sorted(set(services))
    changed = []
    for function in deployed_functions(cloudformation, lambda_client, stack_name):
        configuration = lambda_client.get_function_configuration(FunctionName=function.name)
        variables = dict(configuration.get("Environment", {}).get("Variables", {}))
        wanted = routed_environment(variables, chosen, proxy_url)
        if wanted != variables:
            lambda_client.update_function_configuration(
                FunctionName=function.name, Environment={"Variables": wanted}
            )
            changed.append(Rewired(function.name, tuple(chosen)))
    return changed


def routed_services(variables: Mapping[str, str], proxy_url: str) -> list[str]:
    """The services a function's environment sends through the proxy."""
    return [name for name, s in SERVICES.items() if variables.get(s.endpoint_variable) == proxy_url]


# --- the one entry point the CLI, the console and the tests use ------------------------------------------
class AwsFaults:
    """Set and clear AWS fault rules on the running local stack: the proxy is started when the first rule
    is set, and the deployed functions are rewired after every change."""

    def __init__(self, settings: Settings, clients: Clients | None = None) -> None:
        if settings.stack == "containers":
            raise AwsFaultError(
                "AWS faults need the functions to reach the fault proxy on this machine: the containers "
                "target runs them in containers (use TICKETFLOW_STACK=embedded or external)"
            )
        self.settings = settings
        self.proxy = FaultProxy(settings.fault_proxy_url)
        self._clients = clients or Clients(settings)

    def start_proxy(self) -> None:
        settings = self.settings
        if settings.stack == "external" and emulator_kind(settings.emulator_url) == "LocalStack":
            raise AwsFaultError(
                "AWS faults need the functions to reach the fault proxy on this machine: LocalStack runs "
                "them in containers (use the embedded stack, or a MiniStack on this machine, for AWS faults)"
            )
        supervisor.up(settings, services=[self._service()])

    def proxy_running(self) -> bool:
        return supervisor.status(self.settings, services=[self._service()])[0].state != "stopped"

    def stop_proxy(self) -> None:
        """Stop the proxy (`ticketflow down` does too); clear first, or the functions keep routing to it."""
        supervisor.down(self.settings, services=[self._service()])

    def set(self, rules: Iterable[FaultRule], *, seed: int | None = None) -> list[Rewired]:
        self.start_proxy()
        self.proxy.add(rules)
        if seed is not None:
            self.proxy.seed(seed)
        return self.rewire()

    def clear(self, service: str | None = None, operation: str | None = None) -> list[Rewired]:
        """Remove rules (all, or a service's), then route what no longer has rules back to the emulator."""
        if service is not None and service not in SERVICES:
            raise AwsFaultError(f"unknown service {service!r}: one of {', '.join(SERVICES)}")
        if not self.proxy_running():
            # No rules without a proxy; functions still routed at a stopped one (a `down` while rules were
            # set) are sent back to the emulator, when there is a deployed stack to fix.
            try:
                return self.rewire(())
            except (StackNotDeployedError, BotoCoreError, ClientError):
                return []
        self.proxy.clear(service, operation)
        return self.rewire()

    def rewire(self, services: Iterable[str] | None = None) -> list[Rewired]:
        chosen = self.proxy.services_with_rules() if services is None else set(services)
        return rewire_functions(
            self._clients("cloudformation"),
            self._clients("lambda"),
            self.settings.stack_name,
            chosen,
            self.settings.fault_proxy_url,
        )

    def routes(self) -> dict[str, list[str]]:
        """Each deployed function and the services it reaches through the proxy."""
        lambda_client = self._clients("lambda")
        functions = deployed_functions(
            self._clients("cloudformation"), lambda_client, self.settings.stack_name
        )
        found = {}
        for function in functions:
            configuration = lambda_client.get_function_configuration(FunctionName=function.name)
            variables = configuration.get("Environment", {}).get("Variables", {})
            found[function.name] = routed_services(variables, self.settings.fault_proxy_url)
        return found

    def _service(self) -> FaultProxyService:
        return FaultProxyService(self.settings, inherited_env=dict(_environ()))


def _environ() -> Mapping[str, str]:
    import os  # noqa: PLC0415 (read at call time: the service's process inherits it)

    return os.environ
