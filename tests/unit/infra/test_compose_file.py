"""docker-compose.yml read as data: the Docker path cannot run on these machines, so its file is checked."""

from __future__ import annotations

import fnmatch
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.utils import is_valid_endpoint_url

from tests.compose_file import (
    COMPOSE_FILE,
    INTERPOLATION,
    aliases,
    environment,
    image_tag,
    load_compose,
    published,
    resolved,
    service,
)
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings

ENV_EXAMPLE = REPO_ROOT / ".env.example"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
SERVICES = ("localstack", "postgres", "fake_bedrock")
LOCALSTACK_TOKEN_FREE_IMAGE = "localstack/localstack:4.14.0"
DOCKER_SOCKET = "/var/run/docker.sock"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def test_the_three_services_exist(compose: dict[str, Any]) -> None:
    # GIVEN the compose file / WHEN its services are listed / THEN emulator, warehouse and stand-in are there
    assert set(SERVICES) <= set(compose["services"])


def test_localstack_defaults_to_the_last_token_free_image_and_can_be_overridden(
    compose: dict[str, Any],
) -> None:
    # GIVEN the LocalStack service
    localstack = service(compose, "localstack")

    # WHEN its image reference is parsed
    match = INTERPOLATION.match(localstack["image"])

    # THEN LOCALSTACK_IMAGE picks it, defaulting to exactly 4.14.0, and the auth token passes through empty
    assert match is not None
    assert match.group("name") == "LOCALSTACK_IMAGE"
    assert match.group("default") == LOCALSTACK_TOKEN_FREE_IMAGE
    assert environment(localstack)["LOCALSTACK_AUTH_TOKEN"] == "${LOCALSTACK_AUTH_TOKEN:-}"


@pytest.mark.parametrize("name", SERVICES)
def test_every_image_is_pinned_or_built_here(compose: dict[str, Any], name: str) -> None:
    # GIVEN a service
    svc = service(compose, name)

    # WHEN its image (with defaults resolved) is read
    image = resolved(svc["image"]) if "image" in svc else None

    # THEN it carries a tag that is not `latest`, or the service is built from this repository
    if image is None:
        assert "build" in svc
    else:
        assert image_tag(image) not in (None, "", "latest"), image


@pytest.mark.parametrize("name", SERVICES)
def test_every_published_port_binds_loopback_only(compose: dict[str, Any], name: str) -> None:
    # GIVEN a service's published ports
    ports = published(service(compose, name))

    # WHEN / THEN each is bound to 127.0.0.1, never to all interfaces
    assert ports
    assert all(port.host_ip == "127.0.0.1" for port in ports), ports


def test_published_ports_are_the_local_stacks_defaults(compose: dict[str, Any]) -> None:
    # GIVEN the default settings the CLI and the tests use to find the local stack
    defaults = Settings()

    # WHEN each service's published host ports are read
    host_ports = {name: [port.host_port for port in published(service(compose, name))] for name in SERVICES}

    # THEN they are exactly the emulator, warehouse and fake_bedrock ports of Settings
    assert host_ports == {
        "localstack": [defaults.emulator_port],
        "postgres": [defaults.warehouse_port],
        "fake_bedrock": [defaults.fake_bedrock_port],
    }


def test_container_ports_are_what_the_images_listen_on(compose: dict[str, Any]) -> None:
    # GIVEN fake_bedrock's Dockerfile, which starts the server on a fixed port
    dockerfile = (REPO_ROOT / "fake_bedrock" / "Dockerfile").read_text(encoding="utf-8")
    listening = re.search(r'"--port",\s*"(\d+)"', dockerfile)
    assert listening is not None

    # WHEN the containers' sides of the published ports are read
    targets = {name: [port.container_port for port in published(service(compose, name))] for name in SERVICES}

    # THEN they are LocalStack's gateway, PostgreSQL's port and the Dockerfile's --port
    assert targets == {"localstack": [4566], "postgres": [5432], "fake_bedrock": [int(listening.group(1))]}


def test_lambda_containers_join_the_declared_network(compose: dict[str, Any]) -> None:
    # GIVEN the declared networks and the LocalStack service
    networks = compose["networks"]
    localstack = service(compose, "localstack")

    # WHEN LAMBDA_DOCKER_NETWORK is read
    lambda_network = environment(localstack)["LAMBDA_DOCKER_NETWORK"]

    # THEN it is the explicit `name:` of a declared network that every service is attached to
    declared = {key: spec["name"] for key, spec in networks.items() if spec and "name" in spec}
    assert lambda_network in declared.values()
    key = next(key for key, name in declared.items() if name == lambda_network)
    for name in SERVICES:
        assert key in service(compose, name).get("networks", []), name


@pytest.mark.parametrize(("variable", "fast"), [("KINESIS_LATENCY", "0"), ("DYNAMODB_IN_MEMORY", "1")])
def test_localstack_runs_fast_by_default_and_each_setting_can_be_turned_back(
    compose: dict[str, Any], variable: str, fast: str
) -> None:
    # GIVEN the LocalStack service's environment
    value = environment(service(compose, "localstack"))[variable]

    # WHEN the setting is read as compose interpolates it
    match = INTERPOLATION.match(value)

    # THEN it defaults to the fast value (streams ACTIVE at once; DynamoDB Local in memory), and the
    # variable of the same name in the shell or .env gives LocalStack's own default back
    assert match is not None, value
    assert (match.group("name"), match.group("default")) == (variable, fast)


def test_localstack_can_start_lambda_containers(compose: dict[str, Any]) -> None:
    # GIVEN the LocalStack service's mounts
    volumes = [str(volume) for volume in service(compose, "localstack").get("volumes", [])]

    # WHEN / THEN the host's Docker socket is mounted at the same path
    assert f"{DOCKER_SOCKET}:{DOCKER_SOCKET}" in volumes


def test_fake_bedrock_is_built_from_this_repository(compose: dict[str, Any]) -> None:
    # GIVEN fake_bedrock's build section
    build = service(compose, "fake_bedrock")["build"]

    # WHEN its context and Dockerfile are resolved against the compose file's folder
    context = (COMPOSE_FILE.parent / build["context"]).resolve()
    dockerfile = context / build["dockerfile"]

    # THEN both exist, and the Dockerfile copies from the context what .dockerignore keeps in it
    assert context.is_dir()
    assert dockerfile.is_file()
    copied = re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+)\s", dockerfile.read_text(encoding="utf-8"), re.MULTILINE)
    assert copied
    ignored = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()]
    patterns = [line for line in ignored if line and not line.startswith("#")]
    for source in copied:
        assert (context / source).exists(), source
        excluded = [
            pattern for pattern in patterns if fnmatch.fnmatch(source.rstrip("/"), pattern.rstrip("/"))
        ]
        assert excluded == [], source


def test_dockerignore_keeps_the_build_context_small() -> None:
    # GIVEN the root .dockerignore
    patterns = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}

    # WHEN / THEN the heavy and private folders are excluded
    assert {".venv", "node_modules", ".ticketflow", "cdk.out", ".git", "**/__pycache__", "tests"} <= patterns


@pytest.mark.parametrize(
    ("name", "probe"),
    [("localstack", "/_localstack/health"), ("postgres", "pg_isready"), ("fake_bedrock", "/health")],
)
def test_every_service_has_a_healthcheck(compose: dict[str, Any], name: str, probe: str) -> None:
    # GIVEN a service's healthcheck
    healthcheck = service(compose, name).get("healthcheck", {})

    # WHEN its test command is read
    test = healthcheck.get("test", [])
    command = " ".join(test) if isinstance(test, list) else str(test)

    # THEN it runs (CMD / CMD-SHELL) and probes the service's own health
    assert not healthcheck.get("disable", False)
    assert command.split()[0] in ("CMD", "CMD-SHELL")
    assert probe in command


def test_warehouse_matches_the_local_warehouse_url(compose: dict[str, Any]) -> None:
    # GIVEN the postgres service and the URL the ETL connects to
    postgres = service(compose, "postgres")
    url = urlsplit(Settings().warehouse_url)

    # WHEN its image, credentials and data volume are read
    major = int(re.match(r"\d+", image_tag(resolved(postgres["image"])) or "")[0])  # type: ignore[index]
    env = environment(postgres)
    volumes = [str(volume).split(":") for volume in postgres["volumes"]]

    # THEN it is an alpine PostgreSQL >= 15 (MERGE), with the URL's user and database and no password in it,
    # keeping its data in a declared named volume where the image stores it (a parent mount from 18 on)
    assert major >= 15
    assert resolved(postgres["image"]).startswith("postgres:")
    assert resolved(postgres["image"]).endswith("-alpine")
    assert (env["POSTGRES_USER"], env["POSTGRES_DB"]) == (url.username, url.path.lstrip("/"))
    assert url.password is None
    assert env.get("POSTGRES_HOST_AUTH_METHOD") == "trust"
    assert "POSTGRES_PASSWORD" not in env
    data_dir = "/var/lib/postgresql" if major >= 18 else "/var/lib/postgresql/data"
    assert [[volume, target] for volume, target in volumes if target == data_dir]
    assert all(volume in compose["volumes"] for volume, _ in volumes)


def test_the_documented_ai_endpoint_reaches_fake_bedrock_on_the_network(compose: dict[str, Any]) -> None:
    # GIVEN the compose block of .env.example
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    documented = [
        line.split("=", 1)[1]
        for line in lines
        if line.lstrip("# ").startswith("TICKETFLOW_AI_ENDPOINT_URL=") and "://" in line
    ]
    assert len(documented) == 1
    endpoint = urlsplit(documented[0])

    # WHEN the names fake_bedrock answers to on the compose network are collected
    fake_bedrock = service(compose, "fake_bedrock")
    names = {"fake_bedrock", *aliases(fake_bedrock)}

    # THEN the endpoint's host is one of them, on the container's port, and botocore accepts it as an
    # endpoint (it rejects host names with an underscore, hence the alias)
    assert endpoint.hostname in names
    assert endpoint.port in [port.container_port for port in published(fake_bedrock)]
    assert is_valid_endpoint_url(documented[0])
    assert not is_valid_endpoint_url("http://fake_bedrock:4580")
