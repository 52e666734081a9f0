"""The containers target's wiring: what it would start, checked against docker-compose.yml, since these
machines have no Docker engine to start it on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

import pytest

from tests.compose_file import aliases, environment, load_compose, published, resolved, service
from ticketflow_dev.targets import TargetError, stack_target
from ticketflow_dev.targets.containers import (
    DOCKER_SOCKET,
    ContainerSpec,
    ContainersTarget,
    configure,
    container_specs,
    docker_unavailable,
    network_name,
    session_settings,
)
from ticketflow_infra.settings import Settings

RUN_ID = "0a1b2c3d"
NO_DOCKER = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def specs(environ: dict[str, str] | None = None) -> dict[str, ContainerSpec]:
    return {spec.service: spec for spec in container_specs(RUN_ID, environ or {})}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def test_the_same_three_services_as_compose(compose: dict[str, Any]) -> None:
    # GIVEN the compose file's services / WHEN the target's containers are listed / THEN they are the same
    assert set(specs()) == set(compose["services"])


@pytest.mark.parametrize("name", ["localstack", "postgres"])
def test_the_images_are_composes(compose: dict[str, Any], name: str) -> None:
    # GIVEN a service compose pulls / WHEN the target's image for it is read / THEN it is the same image
    assert specs()[name].image == resolved(service(compose, name)["image"])


def test_a_newer_localstack_image_and_its_token_come_from_the_environment() -> None:
    # GIVEN the variables compose reads for LocalStack
    environ = {"LOCALSTACK_IMAGE": "localstack/localstack:2026.11", "LOCALSTACK_AUTH_TOKEN": "ls-token"}

    # WHEN the containers are specified
    localstack = specs(environ)["localstack"]

    # THEN the image and the token follow them
    assert localstack.image == "localstack/localstack:2026.11"
    assert localstack.env["LOCALSTACK_AUTH_TOKEN"] == "ls-token"


@pytest.mark.parametrize("name", ["localstack", "postgres", "fake_bedrock"])
def test_each_listens_on_the_container_port_compose_publishes(compose: dict[str, Any], name: str) -> None:
    # GIVEN what compose publishes / WHEN the exposed port is read / THEN it is the same container port
    assert [port.container_port for port in published(service(compose, name))] == [specs()[name].port]


def test_the_warehouse_has_composes_database_user_and_trust(compose: dict[str, Any]) -> None:
    # GIVEN compose's PostgreSQL environment / WHEN the target's is read / THEN it is the same
    assert dict(specs()["postgres"].env) == environment(service(compose, "postgres"))


def test_lambda_containers_join_the_sessions_network_and_find_localstack_by_name(
    compose: dict[str, Any],
) -> None:
    # GIVEN LocalStack's container as compose and the target wire it
    ours, theirs = specs()["localstack"], environment(service(compose, "localstack"))

    # WHEN the wiring variables are read
    # THEN the same variables are set, pointing at this session's own network and container name
    assert set(ours.env) == set(theirs)
    assert ours.env["LAMBDA_DOCKER_NETWORK"] == network_name(RUN_ID)
    assert ours.env["MAIN_CONTAINER_NAME"] == ours.name
    assert ours.name is not None
    assert RUN_ID in ours.name
    assert (DOCKER_SOCKET, DOCKER_SOCKET) in ours.volumes


def test_localstack_gets_composes_speed_settings_and_the_same_variables_override_them(
    compose: dict[str, Any],
) -> None:
    # GIVEN compose's LocalStack environment
    theirs = environment(service(compose, "localstack"))

    # WHEN the target's LocalStack is specified with and without the variables set
    default = specs()["localstack"].env
    overridden = container_specs(RUN_ID, {"KINESIS_LATENCY": "500", "DYNAMODB_IN_MEMORY": "0"})[0].env

    # THEN by default they are compose's defaults, and the variables compose reads change them here too
    for variable in ("KINESIS_LATENCY", "DYNAMODB_IN_MEMORY"):
        assert default[variable] == resolved(theirs[variable])
    assert (overridden["KINESIS_LATENCY"], overridden["DYNAMODB_IN_MEMORY"]) == ("500", "0")


def test_fake_bedrock_has_composes_alias_and_its_admin_on(compose: dict[str, Any]) -> None:
    # GIVEN fake_bedrock as compose declares it / WHEN the target's is read
    fake_bedrock = specs()["fake_bedrock"]

    # THEN the functions reach it by the same alias, and the fault tests can use its admin endpoint
    assert list(fake_bedrock.aliases) == aliases(service(compose, "fake_bedrock"))
    assert fake_bedrock.env == {"FAKE_BEDROCK_ADMIN": "1"}
    assert RUN_ID in fake_bedrock.image


@dataclass
class RecordingContainer:
    """Records what `configure` asks of a testcontainers DockerContainer."""

    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def _record(self, name: str, *args: Any) -> Self:
        self.calls.append((name, args))
        return self

    def with_env(self, key: str, value: str) -> Self:
        return self._record("env", key, value)

    def with_exposed_ports(self, *ports: str | int) -> Self:
        return self._record("ports", *ports)

    def with_network(self, network: Any) -> Self:
        return self._record("network", network)

    def with_network_aliases(self, *names: str) -> Self:
        return self._record("aliases", *names)

    def with_volume_mapping(self, host: str, container: str, mode: str = "ro") -> Self:
        return self._record("volume", host, container, mode)

    def with_name(self, name: str) -> Self:
        return self._record("name", name)


def test_configure_applies_every_part_of_a_spec() -> None:
    # GIVEN LocalStack's spec and a container builder
    localstack, network = specs()["localstack"], object()

    # WHEN the container is configured from it
    calls = configure(RecordingContainer(), localstack, network).calls  # type: ignore[arg-type]

    # THEN every variable, the port, the network, the socket (read-write) and the name are set
    assert [args for name, args in calls if name == "env"] == list(localstack.env.items())
    assert ("ports", (4566,)) in calls
    assert ("network", (network,)) in calls
    assert ("volume", (DOCKER_SOCKET, DOCKER_SOCKET, "rw")) in calls
    assert ("name", (localstack.name,)) in calls
    assert not [call for call in calls if call[0] == "aliases"]


def test_configure_gives_fake_bedrock_its_alias() -> None:
    # GIVEN fake_bedrock's spec / WHEN configured / THEN its network alias is set and no name is forced
    calls = configure(RecordingContainer(), specs()["fake_bedrock"], object()).calls  # type: ignore[arg-type]
    assert ("aliases", ("fake-bedrock",)) in calls
    assert not [call for call in calls if call[0] == "name"]


def test_the_sessions_settings_point_at_the_mapped_ports_and_run_functions_in_lambda_containers() -> None:
    # GIVEN the host ports the engine mapped
    ports = {"localstack": 32801, "postgres": 32802, "fake_bedrock": 32803}

    # WHEN the session's settings are made
    settings = session_settings(Settings(stack="containers"), "localhost", ports)

    # THEN this machine reaches each container there, and the functions (in LocalStack's Lambda
    # containers) reach fake_bedrock by its alias on the network
    assert settings.emulator_url == "http://localhost:32801"
    assert settings.warehouse_url == "postgresql://ticketflow@localhost:32802/warehouse"
    assert settings.fake_bedrock_url == "http://localhost:32803"
    assert settings.ai_endpoint_url == "http://fake-bedrock:4580"
    assert settings.functions_run_on == "lambda"


def test_without_a_docker_engine_it_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no Docker engine where DOCKER_HOST points
    monkeypatch.setenv("DOCKER_HOST", NO_DOCKER["DOCKER_HOST"])

    # WHEN the target is asked whether it can run, and to start
    target = stack_target(Settings(stack="containers"))
    reason = docker_unavailable()

    # THEN both say that a Docker engine is needed (a test session skips with this reason)
    assert isinstance(target, ContainersTarget)
    assert reason is not None
    assert "needs a Docker engine" in reason
    assert target.unavailable() == reason
    with pytest.raises(TargetError, match="needs a Docker engine"):
        target.up()


@pytest.mark.parametrize("operation", ["down", "status"])
def test_the_cli_operations_point_at_compose_for_a_stack_that_stays_up(operation: str) -> None:
    # GIVEN the containers target (its containers live as long as one test session)
    target = stack_target(Settings(stack="containers"))

    # WHEN `ticketflow down` or `status` is asked of it / THEN it names the way to have one that stays up
    with pytest.raises(TargetError, match="docker compose up -d --wait"):
        getattr(target, operation)()
