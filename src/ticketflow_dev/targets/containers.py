"""`containers`: a test session starts LocalStack, PostgreSQL and fake_bedrock with testcontainers-python,
wired as docker-compose.yml wires them, and removes them at its end.

Not run on the machines this was written on (they have no Docker engine): the specs and their application
to testcontainers are unit-tested (tests/unit/tooling/targets/test_targets_containers.py), and without an
engine the target says so and the tests that need a stack skip with that reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Self, TypeVar

from ticketflow_dev.local.supervisor import Progress, ServiceStatus
from ticketflow_dev.targets.base import RunningStack, Target, TargetError
from ticketflow_dev.targets.external import ExternalTarget
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.image import DockerImage
    from testcontainers.core.network import Network

# The last image that starts without a token; a newer one (LOCALSTACK_IMAGE) needs LOCALSTACK_AUTH_TOKEN.
LOCALSTACK_IMAGE = "localstack/localstack:4.14.0"
POSTGRES_IMAGE = "postgres:18-alpine"
FAKE_BEDROCK_DOCKERFILE = "fake_bedrock/Dockerfile"
DOCKER_SOCKET = "/var/run/docker.sock"
# botocore refuses an endpoint host with `_`, so the functions reach fake_bedrock by this network alias.
FAKE_BEDROCK_ALIAS = "fake-bedrock"
EMULATOR_PORT, WAREHOUSE_PORT, FAKE_BEDROCK_PORT = 4566, 5432, 4580
# What compose sets for speed over fidelity (docs/tests.md): streams ACTIVE at once, DynamoDB in memory.
LOCALSTACK_SPEED = {"KINESIS_LATENCY": "0", "DYNAMODB_IN_MEMORY": "1"}
START_TIMEOUT = 120.0  # LocalStack's first start (image already pulled) takes ~10-30 s


@dataclass(frozen=True)
class ContainerSpec:
    """One container, as docker-compose.yml describes its service."""

    service: str
    image: str
    port: int
    env: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    volumes: tuple[tuple[str, str], ...] = ()  # (host path, container path), read-write
    name: str | None = None


def container_specs(run_id: str, environ: Mapping[str, str]) -> list[ContainerSpec]:
    """The three containers of one session on the network `ticketflow-<run_id>`."""
    network, localstack = network_name(run_id), f"ticketflow-localstack-{run_id}"
    return [
        ContainerSpec(
            "localstack",
            environ.get("LOCALSTACK_IMAGE", LOCALSTACK_IMAGE),
            EMULATOR_PORT,
            {
                "LOCALSTACK_AUTH_TOKEN": environ.get("LOCALSTACK_AUTH_TOKEN", ""),
                # LocalStack finds its own container by this name to start Lambda containers beside it,
                "MAIN_CONTAINER_NAME": localstack,
                # and they join this network, so they reach fake-bedrock (and postgres) by name.
                "LAMBDA_DOCKER_NETWORK": network,
                "DEBUG": environ.get("LOCALSTACK_DEBUG", "0"),
                **{name: environ.get(name, default) for name, default in LOCALSTACK_SPEED.items()},
            },
            volumes=((DOCKER_SOCKET, DOCKER_SOCKET),),
            name=localstack,
        ),
        ContainerSpec(
            "postgres",
            POSTGRES_IMAGE,
            WAREHOUSE_PORT,
            {"POSTGRES_USER": "ticketflow", "POSTGRES_DB": "warehouse", "POSTGRES_HOST_AUTH_METHOD": "trust"},
        ),
        ContainerSpec(
            "fake_bedrock",
            f"ticketflow-fake-bedrock:{run_id}",
            FAKE_BEDROCK_PORT,
            # The admin endpoint serves the fault-injection tests; the port is published to this host only.
            {"FAKE_BEDROCK_ADMIN": "1"},
            aliases=(FAKE_BEDROCK_ALIAS,),
        ),
    ]


def network_name(run_id: str) -> str:
    return f"ticketflow-{run_id}"


class ContainerBuilder(Protocol):
    """The part of testcontainers' DockerContainer that `configure` uses."""

    def with_env(self, key: str, value: str) -> Self: ...
    def with_exposed_ports(self, *ports: str | int) -> Self: ...
    def with_network(self, network: Network) -> Self: ...
    def with_network_aliases(self, *aliases: str) -> Self: ...
    def with_volume_mapping(self, host: str, container: str, mode: str = "ro") -> Self: ...
    def with_name(self, name: str) -> Self: ...


Builder = TypeVar("Builder", bound=ContainerBuilder)


def configure(container: Builder, spec: ContainerSpec, network: Network) -> Builder:
    """`container` set up as `spec` says, on `network`."""
    for key, value in spec.env.items():
        container = container.with_env(key, value)
    container = container.with_exposed_ports(spec.port).with_network(network)
    if spec.aliases:
        container = container.with_network_aliases(*spec.aliases)
    for host, inside in spec.volumes:
        container = container.with_volume_mapping(host, inside, "rw")
    return container.with_name(spec.name) if spec.name else container


def session_settings(settings: Settings, host: str, ports: Mapping[str, int]) -> Settings:
    """Where the containers answer from this machine, and how the functions in LocalStack run."""
    return settings.model_copy(
        update={
            "bind_host": host,
            "emulator_port": ports["localstack"],
            "warehouse_port": ports["postgres"],
            "fake_bedrock_port": ports["fake_bedrock"],
            "ai_endpoint_url": f"http://{FAKE_BEDROCK_ALIAS}:{FAKE_BEDROCK_PORT}",
            "functions_run_on": "lambda",
        }
    )


def docker_unavailable() -> str | None:
    """Why no Docker engine can be used here, or None when one answers."""
    try:
        import docker  # type: ignore[import-untyped]  # noqa: PLC0415 (docker-py: this target only)

        docker.from_env().ping()
    except Exception as error:  # noqa: BLE001 (any failure to reach the engine means the same here)
        return f"the containers target needs a Docker engine, and none answers here ({error})"
    return None


@dataclass
class _Session:
    network: Network
    image: DockerImage
    containers: list[DockerContainer]


class ContainersTarget(Target):
    name = "containers"
    controls_processes = False  # the containers live as long as the session; a restart test cannot run

    def __init__(self, settings: Settings, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(settings)
        self.environ = dict(os.environ if environ is None else environ)
        self._sessions: dict[int, _Session] = {}

    def unavailable(self) -> str | None:
        return docker_unavailable()

    def up(self, progress: Progress | None = None) -> RunningStack:
        if (reason := self.unavailable()) is not None:
            raise TargetError(reason)
        from testcontainers.core.container import DockerContainer  # noqa: PLC0415 (needs Docker)
        from testcontainers.core.image import DockerImage  # noqa: PLC0415
        from testcontainers.core.network import Network  # noqa: PLC0415

        run_id = uuid.uuid4().hex[:8]
        specs = container_specs(run_id, self.environ)
        say = progress or (lambda _service, _message: None)
        network = Network()
        network.name = network_name(run_id)  # the name LAMBDA_DOCKER_NETWORK gives LocalStack
        network.create()
        say("fake_bedrock", f"building its image from {FAKE_BEDROCK_DOCKERFILE}")
        image = DockerImage(
            path=str(REPO_ROOT), dockerfile_path=FAKE_BEDROCK_DOCKERFILE, tag=specs[2].image
        ).build()
        containers: list[DockerContainer] = []
        session = _Session(network, image, containers)
        try:
            for spec in specs:
                say(spec.service, f"starting {spec.image}")
                containers.append(configure(DockerContainer(spec.image), spec, network).start())
            host = containers[0].get_container_host_ip()
            ports = {
                spec.service: int(container.get_exposed_port(spec.port))
                for spec, container in zip(specs, containers, strict=True)
            }
            settings = session_settings(self.settings, host, ports)
            found = ExternalTarget(settings, answer_timeout=START_TIMEOUT).up(progress)
        except BaseException:
            self._remove(session)
            raise
        running = RunningStack(settings, found.services, tuple(spec.service for spec in specs))
        self._sessions[id(running)] = session
        return running

    def release(self, running: RunningStack, progress: Progress | None = None) -> None:  # noqa: ARG002
        session = self._sessions.pop(id(running), None)
        if session is not None:
            self._remove(session)

    @staticmethod
    def _remove(session: _Session) -> None:
        for container in reversed(session.containers):
            container.stop()
        session.network.remove()
        session.image.remove()

    def down(
        self,
        progress: Progress | None = None,  # noqa: ARG002 (nothing outlives the session to stop)
        only: Collection[str] | None = None,  # noqa: ARG002
    ) -> list[ServiceStatus]:
        raise TargetError(self._session_only())

    def status(self) -> list[ServiceStatus]:
        raise TargetError(self._session_only())

    def function_settings(self) -> Settings:
        return self.settings.model_copy(update={"functions_run_on": "lambda"})

    @staticmethod
    def _session_only() -> str:
        return (
            "TICKETFLOW_STACK=containers lives as long as one test session (`TICKETFLOW_STACK=containers make"
            " test`). For a Docker stack that stays up: `docker compose up -d --wait`, then"
            " TICKETFLOW_STACK=external"
        )
